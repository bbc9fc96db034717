package dev.awsdeploy.bench;

import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.Repo;
import java.time.Duration;

/**
 * Benchmark: API calls made by a 5-minute alarm gate (fake clock, real moto), against the yardstick of a script
 * that polls every 5 seconds (the usual {@code while sleep 5; aws cloudwatch describe-alarms} loop).
 * Run with scripts/bench/cloudwatch-alarm.
 */
public final class AlarmWaitCalls {
    private AlarmWaitCalls() {
    }

    public static void main(String[] args) {
        MotoServer moto = MotoServer.shared();
        moto.reset();
        Cli setup = new Cli(moto.url()).env("AWS_REGION", "ap-northeast-2");
        if (setup.run("cloudwatch-alarm", "put", "--file", Repo.path("resources/alarms/high-error-rate.json"))
                .exit() != 0) {
            throw new IllegalStateException("setup failed");
        }
        moto.setAlarmState("ap-northeast-2", "HighErrorRate", "OK");
        System.out.println("5-minute gate on HighErrorRate (fake clock, moto):");
        System.out.printf("  %-28s %8s %14s %16s%n", "pollInterval", "reads", "reads per 10s", "worst reaction");
        for (String poll : new String[] {"15s", "10s", "5s"}) {
            moto.startCounting();
            FakeClock clock = new FakeClock();
            Cli.Run r = new Cli(moto.url()).env("AWS_REGION", "ap-northeast-2").clock(clock)
                    .run("cloudwatch-alarm", "wait", "--alarms", "HighErrorRate", "--duration", "5m",
                            "--poll-interval", poll);
            if (r.exit() != 0) {
                throw new IllegalStateException(r.toString());
            }
            long reads = moto.count("DescribeAlarms");
            System.out.printf("  %-28s %8d %14.2f %16s%n", poll + (poll.equals("15s") ? " (default)" : ""), reads,
                    reads / 30.0, poll);
        }
        long yardstick = Duration.ofMinutes(5).getSeconds() / 5 + 1;
        System.out.printf("  %-28s %8d %14.2f %16s%n", "yardstick: fixed 5s loop", yardstick, yardstick / 30.0, "5s");
        System.exit(0);
    }
}
