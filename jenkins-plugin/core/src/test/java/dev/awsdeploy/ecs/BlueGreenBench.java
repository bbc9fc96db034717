package dev.awsdeploy.ecs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.run.StepClock;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.EcsRolloutFront;
import dev.awsdeploy.testing.FakeClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The numbers behind scripts/bench/ecs-blue-green (not a test): run against a moto server given on the command
 * line, through the ECS rollout simulator, with the CLI in this JVM.
 */
public final class BlueGreenBench {
    private final String moto;
    private final EcsRolloutFront front;

    BlueGreenBench(String moto) {
        this.moto = moto;
        this.front = EcsRolloutFront.start(moto).looksToComplete(1);
    }

    public static void main(String[] args) throws Exception {
        BlueGreenBench b = new BlueGreenBench(args[0]);
        try {
            if (args.length < 2) {
                b.reaction(5);
            }
            b.replay();
            b.pollingEconomy();
        } finally {
            b.front.close();
        }
        System.exit(0);
    }

    private BlueGreenWorld fresh() throws Exception {
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(moto + "/moto-api/reset"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        front.reset();
        front.looksToComplete(1);
        return BlueGreenWorld.standard(moto);
    }

    private Cli cli(StepClock clock) {
        return new Cli(front.url()).env("AWS_REGION", BlueGreenWorld.REGION).clock(clock);
    }

    private static List<String> args(BlueGreenWorld w, String image, String... extra) {
        List<String> a = new ArrayList<>(List.of("ecs-blue-green", "--cluster", "prod", "--service", "myapp",
                "--listener-rule-arn", w.rule, "--image", image, "--output", "json"));
        a.addAll(List.of(extra));
        return a;
    }

    /** (1) SetAlarmState ALARM during the bake → the step's rollback ModifyRule read back at 100 % blue. */
    /** @return the median reaction in ms */
    long reaction(int rounds) throws Exception {
        List<Long> ms = new ArrayList<>();
        List<Long> bare = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            BlueGreenWorld w = fresh();
            Path record = Files.createTempFile("bg-record", ".json");
            String image = BlueGreenWorld.REPO + ":r" + i;
            CompletableFuture<Cli.Run> run = CompletableFuture.supplyAsync(() -> cli(StepClock.system()).run(
                    args(w, image, "--alarms", "HighErrorRate", "--bake-time", "5m",
                            "--poll-interval", "1s", "--record", record.toString())));
            while (!w.weights().equals(new Weights(0, 100))) {
                Thread.sleep(20);
            }
            Thread.sleep(300 + 250L * i); // land at different points of the 1 s poll cycle
            Instant alarmAt = Instant.now();
            w.cw.setAlarmState(s -> s.alarmName("HighErrorRate").stateValue("ALARM").stateReason("bench"));
            Cli.Run r = run.get();
            if (r.exit() != 3) {
                throw new IllegalStateException("expected a rollback: " + r);
            }
            JsonNode actions = Json.MAPPER.readTree(Files.readString(record)).path("actions");
            Instant readBack = Instant.parse(actions.get(actions.size() - 1).path("at").asText());
            ms.add(Duration.between(alarmAt, readBack).toMillis());
            // Yardstick: the bare API sequence of a reaction (one DescribeAlarms, ModifyRule, DescribeRules).
            Instant t = Instant.now();
            w.cw.describeAlarms(d -> d.alarmNames("HighErrorRate"));
            w.setRule(100, 0);
            w.weights();
            bare.add(Duration.between(t, Instant.now()).toMillis());
            w.close();
        }
        System.out.println("(1) rollback reaction, SetAlarmState ALARM -> rule read back at 100 % blue, poll 1s:");
        System.out.println("    runs (ms): " + ms + "  median: " + median(ms) + " ms  (goal <= 2000 ms)");
        System.out.println("    yardstick: bare DescribeAlarms+ModifyRule+DescribeRules against the same moto: median "
                + median(bare) + " ms; expected reaction = poll wait (0-1000 ms) + that");
        return median(ms);
    }

    /** (2) Replay of the previous image: the standby runs it → a single ModifyRule. */
    private void replay() throws Exception {
        BlueGreenWorld w = fresh();
        Cli.Run first = cli(StepClock.system()).run(args(w, BlueGreenWorld.V2, "--bake-time", "0s"));
        if (first.exit() != 0) {
            throw new IllegalStateException(first.toString());
        }
        Path record = Files.createTempFile("bg-replay", ".json");
        long t = System.nanoTime();
        Cli.Run replay = cli(StepClock.system()).run(args(w, BlueGreenWorld.V1, "--traffic-shift",
                "Canary10Percent5Minutes", "--alarms", "HighErrorRate", "--record", record.toString()));
        long replayMs = (System.nanoTime() - t) / 1_000_000;
        t = System.nanoTime();
        Cli.Run unchanged = cli(StepClock.system()).run(args(w, BlueGreenWorld.V1));
        long unchangedMs = (System.nanoTime() - t) / 1_000_000;
        JsonNode j = Json.MAPPER.readTree(replay.out());
        Map<String, Integer> mutating = new TreeMap<>();
        j.path("apiCalls").fields().forEachRemaining(e -> {
            String op = e.getKey().substring(e.getKey().indexOf('.') + 1);
            if (!op.startsWith("Describe") && !op.startsWith("List") && !op.startsWith("Get")) {
                mutating.put(e.getKey(), e.getValue().asInt());
            }
        });
        System.out.println("(2) replay rollback (standby already runs the previous image): status "
                + j.path("status").asText() + ", live " + j.path("liveColor").asText());
        System.out.println("    mutating calls: " + mutating + " = " + mutating.values().stream().mapToInt(i -> i)
                .sum() + "  (goal 1)");
        System.out.println("    wall time in-process: " + replayMs + " ms; all calls: " + j.path("apiCalls"));
        JsonNode events = Json.MAPPER.readTree(Files.readString(record)).path("events");
        Instant t0 = Instant.parse(events.get(0).path("at").asText());
        StringBuilder tl = new StringBuilder();
        for (JsonNode e : events) {
            String m = e.path("message").asText();
            tl.append("\n      +").append(Duration.between(t0, Instant.parse(e.path("at").asText())).toMillis())
                    .append(" ms ").append(m.length() > 70 ? m.substring(0, 70) + "..." : m);
        }
        System.out.println("    timeline:" + tl);
        System.out.println("    yardstick: an unchanged replay (reads only, same process) " + unchangedMs + " ms");
        w.close();
    }

    /** (3) Canary10Percent5Minutes + 5 min bake on a fake clock: read calls per 10 s of waiting. */
    private void pollingEconomy() throws Exception {
        pollingEconomy(new String[] {null, "5s", "10s"});
    }

    /** @return reads per 10 s of the last pollInterval given (null: the default) */
    double pollingEconomy(String[] polls) throws Exception {
        double last = 0;
        for (String poll : polls) {
            BlueGreenWorld w = fresh();
            FakeClock clock = new FakeClock();
            Instant start = clock.now();
            List<String> a = args(w, BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes", "--bake-time",
                    "5m", "--alarms", "HighErrorRate");
            if (poll != null) {
                a.addAll(List.of("--poll-interval", poll));
            }
            Cli.Run r = cli(clock).run(a);
            if (r.exit() != 0) {
                throw new IllegalStateException(r.toString());
            }
            long waited = Duration.between(start, clock.now()).toSeconds();
            Map<String, Integer> byOp = new TreeMap<>();
            int all = calls(Json.MAPPER.readTree(r.out()).path("apiCalls"), byOp, false);
            int reads = calls(Json.MAPPER.readTree(r.out()).path("apiCalls"), byOp, true);
            System.out.println("(3) Canary10Percent5Minutes + 5m bake, pollInterval "
                    + (poll == null ? "default (5s after each change, easing to 30s)" : poll + " (explicit, strict)")
                    + ", fake clock:");
            System.out.println("    waited " + waited + " s; " + all + " calls, " + reads + " reads = "
                    + String.format("%.2f", reads * 10.0 / waited) + " reads per 10 s  (goal <= 1.00)");
            System.out.println("    by operation: " + byOp);
            last = reads * 10.0 / waited;
            w.close();
        }
        return last;
    }

    void close() {
        front.close();
    }

    /** Adds a result's apiCalls to {@code byOp} and returns their sum (only the reads, when {@code reads}). */
    static int calls(JsonNode apiCalls, Map<String, Integer> byOp, boolean reads) {
        int n = 0;
        var it = apiCalls.fields();
        while (it.hasNext()) {
            var e = it.next();
            byOp.put(e.getKey(), e.getValue().asInt());
            String op = e.getKey().substring(e.getKey().indexOf('.') + 1);
            if (!reads || op.startsWith("Describe") || op.startsWith("List") || op.startsWith("Get")) {
                n += e.getValue().asInt();
            }
        }
        return n;
    }

    static long median(List<Long> values) {
        List<Long> s = new ArrayList<>(values);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
