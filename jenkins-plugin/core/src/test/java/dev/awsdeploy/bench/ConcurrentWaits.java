package dev.awsdeploy.bench;

import dev.awsdeploy.cli.Steps;
import dev.awsdeploy.run.MachineScheduler;
import dev.awsdeploy.run.StepDefinition;
import dev.awsdeploy.run.StepResult;
import dev.awsdeploy.run.StepRun;
import dev.awsdeploy.testing.AwsClients;
import dev.awsdeploy.testing.MotoServer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;

/**
 * Benchmark (scripts/bench/concurrent-deploys): many alarm waits at once in one JVM on one {@link MachineScheduler}
 * of a few threads, against moto with the real clock. Prints peak threads beyond the JVM's own, heap, wall time
 * beside a single wait (the yardstick, measured in the same run) and API calls per wait.
 */
public final class ConcurrentWaits {
    private static final String REGION = "ap-northeast-2";

    private ConcurrentWaits() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        String duration = args.length > 2 ? args[2] : "20s";
        MotoServer moto = MotoServer.shared();
        moto.reset();
        try (CloudWatchClient cw = AwsClients.cloudWatch(moto.url(), REGION)) {
            for (int i = 0; i < n; i++) {
                String name = "Bench-" + i;
                cw.putMetricAlarm(b -> b.alarmName(name).namespace("Bench").metricName("Errors")
                        .statistic(Statistic.SUM).period(60).evaluationPeriods(1).threshold(1.0)
                        .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD));
                moto.setAlarmState(REGION, name, "OK");
            }
        }
        StepDefinition wait = Steps.all().stream().filter(d -> "wait".equals(d.action())).findFirst().orElseThrow();
        Map<String, String> env = Map.of("AWS_ENDPOINT_URL", moto.url(), "AWS_REGION", REGION,
                "AWS_ACCESS_KEY_ID", "testing", "AWS_SECRET_ACCESS_KEY", "testing", "AWS_MAX_ATTEMPTS", "3");
        ThreadMXBean threadBean = ManagementFactory.getThreadMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (MachineScheduler scheduler = MachineScheduler.withThreads(threads, "bench-scheduler")) {
            // Warm-up (class loading, the shared HTTP client), then the JVM's own threads are the baseline.
            run(wait, env, scheduler, "Bench-0", "2s").join();
            System.gc();
            int baseline = threadBean.getThreadCount();
            long heapBefore = memory.getHeapMemoryUsage().getUsed();

            long t = System.nanoTime();
            Result single = run(wait, env, scheduler, "Bench-0", duration).join();
            long singleMs = (System.nanoTime() - t) / 1_000_000;

            AtomicInteger peak = new AtomicInteger();
            long[] peakHeap = {0};
            t = System.nanoTime();
            List<CompletableFuture<Result>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(run(wait, env, scheduler, "Bench-" + i, duration));
            }
            CompletableFuture<Void> done = CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
            while (!done.isDone()) {
                peak.accumulateAndGet(threadBean.getThreadCount(), Math::max);
                peakHeap[0] = Math.max(peakHeap[0], memory.getHeapMemoryUsage().getUsed());
                Thread.sleep(50);
            }
            long allMs = (System.nanoTime() - t) / 1_000_000;
            int ok = 0;
            long calls = 0;
            for (CompletableFuture<Result> f : all) {
                Result r = f.join();
                ok += r.outcome.equals("SUCCEEDED") ? 1 : 0;
                calls += r.calls;
            }
            System.out.println("== " + n + " cloudWatchAlarm waits (" + duration + ", default poll) at once in one JVM, "
                    + "one scheduler of " + threads + " threads, moto, real clock");
            System.out.printf("  %-52s %d of %d%n", "succeeded", ok, n);
            System.out.printf("  %-52s %d (goal <= 10)%n", "peak threads beyond the JVM's own (" + baseline + ")",
                    peak.get() - baseline);
            System.out.printf("  %-52s %.1f MiB (%.2f MiB per wait)%n", "peak heap growth",
                    (peakHeap[0] - heapBefore) / 1048576.0, (peakHeap[0] - heapBefore) / 1048576.0 / n);
            System.out.printf("  %-52s %d ms%n", "yardstick: one wait alone, same scheduler", singleMs);
            System.out.printf("  %-52s %d ms (%.2fx the single wait)%n", "wall time of all " + n, allMs,
                    allMs / (double) singleMs);
            System.out.printf("  %-52s %.1f (single wait: %d)%n", "API calls per wait", calls / (double) n,
                    single.calls);
        }
        System.exit(0);
    }

    private record Result(String outcome, long calls) {
    }

    private static CompletableFuture<Result> run(StepDefinition wait, Map<String, String> env,
                                                 MachineScheduler scheduler, String alarm, String duration) {
        StepRun run = StepRun.builder("cloudWatchAlarm", "wait").env(env).scheduler(scheduler).defaultChain(false)
                .build();
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("alarms", List.of(alarm));
        input.put("duration", duration);
        return CompletableFuture.supplyAsync(() -> wait.runner().run(input, run), Runnable::run)
                .thenCompose(StepResult::completion)
                .handle((r, thrown) -> {
                    try (run) {
                        if (thrown != null) {
                            return new Result("ERROR " + thrown, 0);
                        }
                        StepResult done = run.finish(r);
                        Object calls = done.fields().get("apiCalls");
                        long count = calls instanceof Map<?, ?> m
                                ? m.values().stream().mapToLong(v -> ((Number) v).longValue()).sum() : 0;
                        return new Result(done.outcome().name(), count);
                    }
                });
    }
}
