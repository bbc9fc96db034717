package dev.awsdeploy.ecs;

import dev.awsdeploy.Steps;
import dev.awsdeploy.run.MachineScheduler;
import dev.awsdeploy.run.StepDefinition;
import dev.awsdeploy.run.StepResult;
import dev.awsdeploy.run.StepRun;
import dev.awsdeploy.testing.EcsRolloutFront;
import dev.awsdeploy.testing.MotoServer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The numbers behind scripts/bench/concurrent-deploys (not a test): N ecsBlueGreen canary deploys (each its own
 * pair of services and listener rule) and N cloudWatchAlarm waits at once in one JVM, on one {@link MachineScheduler}
 * of a few threads, against moto through the ECS rollout simulator, with the real clock and a one-second trafficShift
 * minute. Yardsticks measured in the same run: one deploy alone and one wait alone, on the same scheduler.
 */
public final class ConcurrentDeploysBench {
    private static final String ALARM = "HighErrorRate";

    private final BlueGreenWorld world;
    private final Map<String, String> env;
    private final MachineScheduler scheduler;
    private final List<String> rules = new ArrayList<>();

    private ConcurrentDeploysBench(BlueGreenWorld world, String endpoint, MachineScheduler scheduler) {
        this.world = world;
        this.scheduler = scheduler;
        this.env = Map.of("AWS_ENDPOINT_URL", endpoint, "AWS_REGION", BlueGreenWorld.REGION, "AWS_ACCESS_KEY_ID",
                "testing", "AWS_SECRET_ACCESS_KEY", "testing", "AWS_MAX_ATTEMPTS", "3", "AWS_DEPLOY_SHIFT_MINUTE",
                "1s");
    }

    /** Services app{i}-blue/-green, live blue, behind their own rule on the world's listener. */
    private void pairs(int n) {
        for (int i = 0; i < n; i++) {
            String blue = world.targetGroup("app" + i + "-blue");
            String green = world.targetGroup("app" + i + "-green");
            int priority = 100 + i;
            String path = "/app" + i + "/*";
            rules.add(world.elb.createRule(b -> b.listenerArn(world.listener).priority(priority)
                    .conditions(c -> c.field("path-pattern").values(path))
                    .actions(BlueGreenWorld.forward(blue, 100, green, 0))).rules().get(0).ruleArn());
            world.service("app" + i + "-blue", blue, world.td1, 2);
            world.service("app" + i + "-green", green, world.td1, 2);
        }
    }

    private record Outcome(String outcome, long calls) {
    }

    private CompletableFuture<Outcome> run(StepDefinition d, String action, Map<String, Object> input) {
        StepRun run = StepRun.builder(d.step(), action).env(env).scheduler(scheduler).defaultChain(false).build();
        // The first piece on the scheduler's threads too, as the plugin runs it on Jenkins' timer.
        return scheduler.supply(() -> d.runner().run(input, run)).thenCompose(StepResult::completion)
                .handle((r, thrown) -> {
            try (run) {
                if (thrown != null) {
                    return new Outcome("ERROR " + thrown, 0);
                }
                StepResult done = run.finish(r);
                Object calls = done.fields().get("apiCalls");
                long count = calls instanceof Map<?, ?> m
                        ? m.values().stream().mapToLong(v -> ((Number) v).longValue()).sum() : 0;
                return new Outcome(done.outcome().name(), count);
            }
        });
    }

    private CompletableFuture<Outcome> deploy(int i) {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("cluster", "prod");
        in.put("service", "app" + i);
        in.put("listenerRuleArn", rules.get(i));
        in.put("image", BlueGreenWorld.V2);
        in.put("trafficShift", "Canary10Percent5Minutes");
        in.put("alarms", List.of(ALARM));
        in.put("bakeTime", "1m");
        return run(EcsBlueGreen.DEFINITION, null, in);
    }

    private CompletableFuture<Outcome> gate(String duration) {
        StepDefinition wait = Steps.all().stream().filter(d -> "wait".equals(d.action())).findFirst().orElseThrow();
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("alarms", List.of(ALARM));
        in.put("duration", duration);
        return run(wait, "wait", in);
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        MotoServer moto = MotoServer.with(Map.of("MOTO_ECS_SERVICE_RUNNING", "2"));
        moto.reset();
        EcsRolloutFront front = EcsRolloutFront.start(moto.url()).looksToComplete(1);
        ThreadMXBean threadBean = ManagementFactory.getThreadMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (BlueGreenWorld world = BlueGreenWorld.standard(moto.url())) {
            // The emulators' own threads (the simulator's pool of 8, the test clients') exist before the baseline.
            long motoStart = System.nanoTime();
            int probes = 200;
            for (int i = 0; i < probes; i++) {
                world.elb.describeRules(r -> r.listenerArn(world.listener));
            }
            double motoCallsPerSecond = probes / ((System.nanoTime() - motoStart) / 1e9);
            warmSimulator(front.url());
            System.gc();
            java.util.Set<String> before = threadNames();
            int baseline = threadBean.getThreadCount();
            long heapBefore = memory.getHeapMemoryUsage().getUsed();
            run(n, threads, world, front, threadBean, memory, baseline, heapBefore, motoCallsPerSecond, before);
        } finally {
            front.close();
        }
        System.exit(0);
    }

    private static void warmSimulator(String url) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (int i = 0; i < 16; i++) {
            http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/moto-api/data.json")).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
        }
    }

    private static void run(int n, int threads, BlueGreenWorld world, EcsRolloutFront front, ThreadMXBean threadBean,
                            MemoryMXBean memory, int baseline, long heapBefore, double motoCallsPerSecond,
                            java.util.Set<String> before) throws Exception {
        java.util.Set<String> added = new java.util.TreeSet<>();
        java.util.Set<String> testSide = new java.util.TreeSet<>();
        int peakOurs = 0;
        try (MachineScheduler scheduler = MachineScheduler.withThreads(threads, "bench-scheduler")) {
            ConcurrentDeploysBench b = new ConcurrentDeploysBench(world, front.url(), scheduler);
            b.pairs(n + 2);
            int peak = threadBean.getThreadCount();
            check(b.deploy(n + 1).join()); // warm-up: classes, the shared HTTP client
            peak = Math.max(peak, threadBean.getThreadCount());

            long t = System.nanoTime();
            Outcome oneDeploy = check(b.deploy(n).join());
            long deployMs = ms(t);
            t = System.nanoTime();
            Outcome oneGate = check(b.gate("10s").join());
            long gateMs = ms(t);

            long peakHeap = 0;
            t = System.nanoTime();
            List<CompletableFuture<Outcome>> deploys = new ArrayList<>();
            List<CompletableFuture<Outcome>> gates = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                deploys.add(b.deploy(i));
                gates.add(b.gate("10s"));
            }
            List<CompletableFuture<Outcome>> all = new ArrayList<>(deploys);
            all.addAll(gates);
            CompletableFuture<Void> done = CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
            while (!done.isDone()) {
                peak = Math.max(peak, threadBean.getThreadCount());
                int ours = 0;
                for (String name : threadNames()) {
                    if (before.contains(name)) {
                        continue;
                    }
                    // A new worker of a java.net.http client the test made before the baseline (moto's reset, the
                    // world's set-up) is the test's, not the engine's.
                    java.util.regex.Matcher client = java.util.regex.Pattern.compile("(HttpClient-\\d+)-Worker-\\d+")
                            .matcher(name);
                    if (client.matches() && before.contains(client.group(1) + "-SelectorManager")) {
                        testSide.add(name.replaceAll("\\d+$", "N"));
                    } else {
                        added.add(name.replaceAll("\\d+$", "N"));
                        ours++;
                    }
                }
                peakOurs = Math.max(peakOurs, ours);
                peakHeap = Math.max(peakHeap, memory.getHeapMemoryUsage().getUsed());
                Thread.sleep(50);
            }
            long allMs = ms(t);
            int live = 0;
            for (String rule : b.rules.subList(0, n)) {
                var a = world.elb.describeRules(r -> r.ruleArns(rule)).rules().get(0).actions().get(0);
                live += a.forwardConfig().targetGroups().stream().anyMatch(g -> g.weight() == 100
                        && g.targetGroupArn().contains("-green")) ? 1 : 0;
            }
            System.out.println("== " + n + " ecsBlueGreen canary deploys (Canary10Percent5Minutes, bake 1m, minute = 1s)"
                    + " and " + n + " cloudWatchAlarm waits (10s) at once in one JVM; one scheduler of " + threads
                    + " threads; moto through the ECS rollout simulator; real clock");
            System.out.printf("  %-58s %d of %d (green at 100 %% read back: %d), waits %d of %d%n",
                    "deploys succeeded", count(deploys), n, live, count(gates), n);
            System.out.printf("  %-58s %d (goal <= 10): %s%n", "peak threads of aws-deploy (beyond the JVM's own "
                    + baseline + ")", peakOurs, added);
            System.out.printf("  %-58s %d, of which the test's own HTTP clients' workers: %s%n",
                    "peak threads beyond the baseline, all counted", peak - baseline, testSide);
            System.out.printf("  %-58s %.1f MiB (%.2f MiB per running step)%n", "peak heap growth",
                    (peakHeap - heapBefore) / 1048576.0, (peakHeap - heapBefore) / 1048576.0 / (2 * n));
            System.out.printf("  %-58s %d ms%n", "yardstick: one deploy alone, same scheduler", deployMs);
            System.out.printf("  %-58s %d ms%n", "yardstick: one wait alone, same scheduler", gateMs);
            System.out.printf("  %-58s %d ms (%.2fx one deploy)%n", "wall time of all " + (2 * n) + " at once", allMs,
                    allMs / (double) deployMs);
            System.out.printf("  %-58s %.1f (one deploy alone: %d)%n", "API calls per deploy", calls(deploys) / n,
                    oneDeploy.calls());
            System.out.printf("  %-58s %.1f (one wait alone: %d)%n", "API calls per wait", calls(gates) / n,
                    oneGate.calls());
            double total = calls(deploys) + calls(gates);
            System.out.printf("  %-58s %.0f calls/s: the %.0f calls of the run need %.0f s of moto alone%n",
                    "yardstick: moto's own pace (one client, back to back)", motoCallsPerSecond, total,
                    total / motoCallsPerSecond);
        }
    }

    private static java.util.Set<String> threadNames() {
        java.util.Set<String> names = new java.util.HashSet<>();
        Thread.getAllStackTraces().keySet().forEach(t -> names.add(t.getName()));
        return names;
    }

    private static Outcome check(Outcome o) {
        if (!o.outcome().equals("SUCCEEDED")) {
            throw new IllegalStateException("the yardstick run did not succeed: " + o);
        }
        return o;
    }

    private static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static int count(List<CompletableFuture<Outcome>> runs) {
        return (int) runs.stream().filter(f -> f.join().outcome().equals("SUCCEEDED")).count();
    }

    private static double calls(List<CompletableFuture<Outcome>> runs) {
        return runs.stream().mapToLong(f -> f.join().calls()).sum();
    }
}
