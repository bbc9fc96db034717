package dev.awsdeploy.cloudwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The alarm gate: given alarms in moto, when the step watches them, then it passes, fails or resumes correctly. */
class AlarmWaitTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();

    private static final String REGION = "ap-northeast-2";
    private final FakeClock clock = new FakeClock();
    private final Cli cli = new Cli(moto.url()).env("AWS_REGION", REGION).clock(clock);

    @BeforeEach
    void twoAlarms() {
        putTwoAlarms(cli);
        moto.setAlarmState(REGION, "HighErrorRate", "OK");
        moto.setAlarmState(REGION, "Latency", "OK");
        moto.startCounting();
    }

    /** HighErrorRate from the library's alarm file and a Latency alarm from parameters. */
    static void putTwoAlarms(Cli cli) {
        assertEquals(0, cli.run("cloudwatch-alarm", "put", "--file",
                Repo.path("resources/alarms/high-error-rate.json")).exit());
        assertEquals(0, cli.run("cloudwatch-alarm", "put", "--alarm-name", "Latency", "--metric-name", "Latency",
                "--namespace", "MyApp", "--statistic", "Average", "--period", "60", "--evaluation-periods", "1",
                "--threshold", "2", "--comparison-operator", "GreaterThanThreshold").exit());
    }

    @Test
    void aFiveMinuteGateOverQuietAlarmsPassesWithAtMostOneReadPerTenSeconds() throws Exception {
        Instant start = clock.now();

        Cli.Run r = cli.run("cloudwatch-alarm", "wait", "--alarms", "HighErrorRate,Latency", "--duration", "5m",
                "--output", "json");

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = Json.MAPPER.readTree(r.out());
        assertEquals("passed", result.path("status").asText());
        assertEquals("OK", result.path("alarms").path("Latency").asText());
        assertEquals(Duration.ofMinutes(5), Duration.between(start, clock.now()));
        long reads = moto.count("DescribeAlarms");
        assertTrue(reads <= 30, "read calls in 5 minutes: " + reads);
        assertEquals(reads, result.path("apiCalls").path("CloudWatch.DescribeAlarms").asLong());
        assertEquals(List.of(), moto.mutatingRequests());
        assertEquals(1, r.err().lines().filter(l -> l.contains("Alarms: ")).count(),
                "the alarm states are told once, not per poll:\n" + r.err());
    }

    @Test
    void theGateFailsWithinOnePollIntervalOfAnAlarmEnteringAlarm() throws Exception {
        Instant start = clock.now();
        clock.at(Duration.ofSeconds(130), () -> moto.setAlarmState(REGION, "Latency", "ALARM"));

        Cli.Run r = cli.run("cloudwatch-alarm", "wait", "--alarms", "HighErrorRate,Latency", "--duration", "5m",
                "--poll-interval", "10s", "--output", "json");

        assertEquals(3, r.exit(), r.toString());
        JsonNode result = Json.MAPPER.readTree(r.out());
        assertEquals("alarm", result.path("status").asText());
        assertTrue(result.path("reason").asText().startsWith("Latency is ALARM (set by test)"), r.out());
        Duration reacted = Duration.between(start.plusSeconds(130), clock.now());
        assertTrue(reacted.compareTo(Duration.ofSeconds(10)) <= 0, "reacted after " + reacted);
        assertTrue(r.err().contains("Gate failed: Latency is ALARM"), r.err());
    }

    @Test
    void untilOkWaitsForRecoveryAndTimesOutWithExitFourWhenItNeverComes() throws Exception {
        moto.setAlarmState(REGION, "Latency", "ALARM");
        clock.at(Duration.ofSeconds(40), () -> moto.setAlarmState(REGION, "Latency", "OK"));

        Cli.Run recovered = cli.run("cloudwatch-alarm", "wait", "--alarms", "Latency", "--until", "OK",
                "--duration", "2m", "--output", "json");
        moto.setAlarmState(REGION, "Latency", "ALARM");
        Cli.Run stuck = cli.run("cloudwatch-alarm", "wait", "--alarms", "Latency", "--until", "OK",
                "--duration", "1m", "--output", "json");

        assertEquals(0, recovered.exit(), recovered.toString());
        assertEquals("reached", Json.MAPPER.readTree(recovered.out()).path("status").asText());
        assertEquals(4, stuck.exit(), stuck.toString());
        assertEquals("timed-out", Json.MAPPER.readTree(stuck.out()).path("status").asText());
        assertTrue(stuck.err().contains("not all alarms reached OK: Latency=ALARM"), stuck.err());
    }

    @Test
    void insufficientDataFollowsTheExplicitPolicy() throws Exception {
        moto.setAlarmState(REGION, "Latency", "INSUFFICIENT_DATA");

        Cli.Run asOk = cli.run("cloudwatch-alarm", "wait", "--alarms", "Latency", "--duration", "30s");
        Cli.Run asAlarm = cli.run("cloudwatch-alarm", "wait", "--alarms", "Latency", "--duration", "30s",
                "--treat-insufficient-data-as", "alarm");
        Cli.Run asWait = cli.run("cloudwatch-alarm", "wait", "--alarms", "Latency", "--duration", "30s",
                "--treat-insufficient-data-as", "wait");

        assertEquals(0, asOk.exit(), asOk.toString());
        assertTrue(asOk.err().contains("INSUFFICIENT_DATA counts as ok"), asOk.err());
        assertEquals(3, asAlarm.exit(), asAlarm.toString());
        assertEquals(4, asWait.exit(), asWait.toString());
        assertTrue(asWait.err().contains("still INSUFFICIENT_DATA: Latency"), asWait.err());
    }

    @Test
    void aWaitKilledMidwayAndRunAgainKeepsItsOriginalDeadline(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("wait.state.json");
        Instant start = clock.now();
        clock.at(Duration.ofSeconds(100), () -> {
            throw new ProcessKilled();
        });

        Cli.Run killed = cli.run("cloudwatch-alarm", "wait", "--alarms", "HighErrorRate", "--duration", "5m",
                "--state-file", state.toString());
        assertEquals(1, killed.exit(), killed.toString());
        assertTrue(Files.exists(state), "the state survives the kill");
        assertTrue(Files.readString(state).contains(start.plus(Duration.ofMinutes(5)).toString()));

        // The agent comes back two minutes later and the same command is run again.
        FakeClock later = new FakeClock(start.plus(Duration.ofMinutes(2)));
        Cli.Run resumed = new Cli(moto.url()).env("AWS_REGION", REGION).clock(later)
                .run("cloudwatch-alarm", "wait", "--alarms", "HighErrorRate", "--duration", "5m",
                        "--state-file", state.toString(), "--output", "json");

        assertEquals(0, resumed.exit(), resumed.toString());
        assertEquals(start.plus(Duration.ofMinutes(5)), later.now(), "ends at the original deadline");
        assertEquals(start.plus(Duration.ofMinutes(5)).toString(),
                Json.MAPPER.readTree(resumed.out()).path("deadline").asText());
        assertTrue(resumed.err().contains("Resuming the wait; deadline stays"), resumed.err());
        assertFalse(Files.exists(state), "a finished wait leaves no state behind");
    }

    @Test
    void aStateFileOfAnotherRequestIsRefused(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("wait.state.json");
        clock.at(Duration.ofSeconds(30), () -> {
            throw new ProcessKilled();
        });
        cli.run("cloudwatch-alarm", "wait", "--alarms", "HighErrorRate", "--duration", "5m", "--state-file",
                state.toString());

        Cli.Run other = new Cli(moto.url()).env("AWS_REGION", REGION).clock(new FakeClock())
                .run("cloudwatch-alarm", "wait", "--alarms", "Latency", "--duration", "5m", "--state-file",
                        state.toString());

        assertEquals(2, other.exit(), other.toString());
        assertTrue(other.err().contains("belongs to a different request"), other.err());
    }

    /** Stands for the process dying: nothing after it runs, no clean-up. */
    static final class ProcessKilled extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }
}
