package dev.awsdeploy.ecs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.run.StepClock;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.EcsServiceDeploymentFront;
import dev.awsdeploy.testing.FakeClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The numbers behind scripts/bench/ecs-native (not a test): deployment: 'ecs' against a moto server given on the
 * command line, through the ECS service deployment simulator, with the CLI in this JVM — beside the two-service
 * mode's same figures ({@link BlueGreenBench}) measured in the same run.
 */
public final class NativeBench {
    private final String moto;
    private final AtomicReference<StepClock> clock = new AtomicReference<>(StepClock.system());
    private final EcsServiceDeploymentFront front;

    private NativeBench(String moto) {
        this.moto = moto;
        this.front = EcsServiceDeploymentFront.start(moto, () -> clock.get().now());
    }

    public static void main(String[] args) throws Exception {
        NativeBench b = new NativeBench(args[0]);
        BlueGreenBench two = new BlueGreenBench(args[0]);
        try {
            long nativeMs = b.reaction(5);
            double nativeReads = b.pollingEconomy();
            System.out.println("-- the two-service mode, same run:");
            long twoMs = two.reaction(5);
            double twoReads = two.pollingEconomy(new String[] {null});
            System.out.println("== deployment: 'ecs' beside deployment: 'services'");
            System.out.printf("   rollback reaction (ALARM -> rule read back 100 %% old), median of 5: %d ms vs %d ms"
                    + " = %.2f x%n", nativeMs, twoMs, nativeMs / (double) Math.max(1, twoMs));
            System.out.printf("   reads per 10 s, Canary10Percent5Minutes + 5m bake, default poll: %.2f vs %.2f = %.2f x%n",
                    nativeReads, twoReads, nativeReads / twoReads);
        } finally {
            b.front.close();
            two.close();
        }
        System.exit(0);
    }

    private NativeWorld fresh() throws Exception {
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(moto + "/moto-api/reset"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        front.reset();
        return NativeWorld.standard(moto, front.url());
    }

    private Cli cli(StepClock c) {
        clock.set(c);
        return new Cli(front.url()).env("AWS_REGION", BlueGreenWorld.REGION).clock(c);
    }

    private static List<String> args(String image, String... extra) {
        List<String> a = new ArrayList<>(List.of("ecs-blue-green", "--deployment", "ecs", "--cluster", "prod",
                "--service", "myapp", "--image", image, "--output", "json"));
        a.addAll(List.of(extra));
        return a;
    }

    /** SetAlarmState ALARM during the bake → StopServiceDeployment → the rule read back at 100 % old. */
    private long reaction(int rounds) throws Exception {
        List<Long> ms = new ArrayList<>();
        List<Long> bare = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            NativeWorld w = fresh();
            // Real time, ECS's stages short (200 ms) and a minute of 1 s, so the bake is reached quickly.
            Duration s = Duration.ofMillis(200);
            front.timing(new EcsServiceDeploymentFront.Timing(s, s, s, s, s, s, s, Duration.ofSeconds(2),
                    Duration.ofSeconds(60))).minute(Duration.ofSeconds(1));
            Path record = Files.createTempFile("native-record", ".json");
            String image = BlueGreenWorld.REPO + ":r" + i;
            Cli c = cli(StepClock.system());
            CompletableFuture<Cli.Run> run = CompletableFuture.supplyAsync(() -> c.run(args(image, "--alarms",
                    "HighErrorRate", "--bake-time", "5m", "--poll-interval", "1s", "--record", record.toString())));
            while (!w.weights().equals(new Weights(0, 100))) {
                Thread.sleep(20);
            }
            Thread.sleep(300 + 250L * i); // land at different points of the 1 s poll cycle
            Instant alarmAt = Instant.now();
            w.cw.setAlarmState(a -> a.alarmName("HighErrorRate").stateValue("ALARM").stateReason("bench"));
            Cli.Run r = run.get();
            if (r.exit() != 3) {
                throw new IllegalStateException("expected a rollback: " + r);
            }
            Instant back = null;
            for (JsonNode e : Json.MAPPER.readTree(Files.readString(record)).path("events")) {
                if ("traffic-back".equals(e.path("type").asText())) {
                    back = Instant.parse(e.path("at").asText());
                }
            }
            ms.add(Duration.between(alarmAt, back).toMillis());
            Instant t = Instant.now();
            w.cw.describeAlarms(d -> d.alarmNames("HighErrorRate"));
            w.base.setRule(100, 0);
            w.weights();
            bare.add(Duration.between(t, Instant.now()).toMillis());
            Files.deleteIfExists(record);
            w.close();
        }
        System.out.println("(1) deployment: 'ecs' rollback reaction, SetAlarmState ALARM -> StopServiceDeployment ROLLBACK"
                + " -> rule read back at 100 % old, poll 1s:");
        System.out.println("    runs (ms): " + ms + "  median: " + BlueGreenBench.median(ms) + " ms");
        System.out.println("    yardstick: bare DescribeAlarms+ModifyRule+DescribeRules against the same moto: median "
                + BlueGreenBench.median(bare) + " ms");
        return BlueGreenBench.median(ms);
    }

    /** Canary10Percent5Minutes + 5 min bake on a fake clock: reads per 10 s of waiting. */
    private double pollingEconomy() throws Exception {
        NativeWorld w = fresh();
        front.minute(Duration.ofMinutes(1));
        FakeClock fake = new FakeClock();
        Instant start = fake.now();
        Cli.Run r = cli(fake).run(args(BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes",
                "--bake-time", "5m", "--alarms", "HighErrorRate"));
        if (r.exit() != 0) {
            throw new IllegalStateException(r.toString());
        }
        long waited = Duration.between(start, fake.now()).toSeconds();
        JsonNode calls = Json.MAPPER.readTree(r.out()).path("apiCalls");
        Map<String, Integer> byOp = new TreeMap<>();
        int all = BlueGreenBench.calls(calls, byOp, false);
        int reads = BlueGreenBench.calls(calls, byOp, true);
        double per10 = reads * 10.0 / waited;
        System.out.println("(2) deployment: 'ecs', Canary10Percent5Minutes + 5m bake, default poll, fake clock:");
        System.out.println("    waited " + waited + " s; " + all + " calls, " + reads + " reads = "
                + String.format("%.2f", per10) + " reads per 10 s");
        System.out.println("    by operation: " + byOp);
        w.close();
        return per10;
    }
}
