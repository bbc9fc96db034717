package dev.awsdeploy.codedeploy;

import static dev.awsdeploy.codedeploy.CodeDeployFake.look;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.run.StepClock;
import dev.awsdeploy.testing.AwsFront;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.MotoServer;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.codedeploy.CodeDeployClient;

/**
 * Benchmark (scripts/bench/code-deploy-rolling): API calls of a CodeDeploy deployment that takes 20 minutes on a
 * fake clock, by operation and over time, against the same moto + WireMock the tests use; compared, in the same
 * run, with a fixed 15 s poller (what {@code aws deploy wait deployment-successful} does) on the same fake, and with
 * the 41 calls a minute the issue names as the rate that got other tools throttled.
 */
public final class RollingBench {
    private static final Duration DEPLOYMENT_TAKES = Duration.ofMinutes(20);

    /** A fake clock that notes, at each sleep, how many GetDeployment calls were made since the last one. */
    static final class CountingClock implements StepClock {
        final FakeClock clock = new FakeClock();
        final AwsFront front;
        final String op;
        final Instant start = clock.now();
        final List<long[]> samples = new ArrayList<>(); // {secondsSinceStart, calls}
        int seen;

        CountingClock(AwsFront front, String op) {
            this.front = front;
            this.op = op;
        }

        int served() {
            return front.wiremock().countRequestsMatching(WireMock.anyRequestedFor(WireMock.anyUrl())
                    .withHeader("X-Amz-Target", WireMock.matching(".*\\." + op)).build()).getCount();
        }

        void note() {
            int now = served();
            if (now > seen) {
                samples.add(new long[] {Duration.between(start, clock.now()).toSeconds(), now - seen});
                seen = now;
            }
        }

        @Override
        public Instant now() {
            return clock.now();
        }

        @Override
        public void sleepUntil(Instant t) throws InterruptedException {
            note();
            clock.sleepUntil(t);
        }

        long callsBetween(long fromSec, long toSec) {
            return samples.stream().filter(s -> s[0] >= fromSec && s[0] < toSec).mapToLong(s -> s[1]).sum();
        }
    }

    public static void main(String[] args) throws Exception {
        MotoServer moto = MotoServer.shared();
        System.out.println("codeDeployRolling benchmark: a deployment that takes " + DEPLOYMENT_TAKES.toMinutes()
                + " minutes (fake clock), real CLI and SDK against moto + WireMock");
        System.out.println();
        run(moto, "Server", "EC2/on-premises, rolling OneAtATime, 6 instances");
        run(moto, "ECS", "ECS blue/green, Canary10Percent5Minutes (traffic weights read at most once a minute)");
        System.exit(0);
    }

    private static void run(MotoServer moto, String platform, String title) throws Exception {
        moto.reset();
        AwsFront front = new AwsFront(moto);
        front.beforeEach(null);
        try {
            given(moto, front, platform);
            CountingClock clock = new CountingClock(front, "GetDeployment");
            CodeDeployFake fake = new CodeDeployFake(front);
            fake.lifecycle(look("InProgress").platform(platform).counts(5, 1, 0, 0, 0));
            if (platform.equals("ECS")) {
                front.wiremock().stubFor(AwsFront.operation("ListDeploymentTargets").atPriority(5)
                        .willReturn(AwsFront.json("{\"targetIds\":[\"web-cluster:web\"]}")));
                front.wiremock().stubFor(AwsFront.operation("BatchGetDeploymentTargets").atPriority(5)
                        .willReturn(AwsFront.json("{\"deploymentTargets\":[{\"deploymentTargetType\":\"ECSTarget\","
                                + "\"ecsTarget\":{\"targetId\":\"web-cluster:web\",\"status\":\"InProgress\","
                                + "\"taskSetsInfo\":[{\"identifer\":\"a\",\"taskSetLabel\":\"Blue\",\"trafficWeight\":"
                                + "90.0},{\"identifer\":\"b\",\"taskSetLabel\":\"Green\",\"trafficWeight\":10.0}]}}]}")));
            }
            // Instances finish over time; at 20 minutes the deployment has succeeded.
            for (int m = 4; m < 20; m += 4) {
                int done = m / 4;
                clock.clock.at(Duration.ofMinutes(m), () -> fake.wiremock().stubFor(AwsFront.operation("GetDeployment")
                        .atPriority(3).willReturn(AwsFront.json(look("InProgress").platform(platform)
                                .counts(5 - done, 1, done, 0, 0).body()).withTransformers("response-template"))));
            }
            clock.clock.at(DEPLOYMENT_TAKES, () -> fake.wiremock().stubFor(AwsFront.operation("GetDeployment")
                    .atPriority(1).willReturn(AwsFront.json(look("Succeeded").platform(platform).counts(0, 0, 6, 0, 0)
                            .body()).withTransformers("response-template"))));
            List<String> cmd = platform.equals("ECS")
                    ? List.of("code-deploy-rolling", "--application", "myapp", "--deployment-group", "prod",
                    "--task-definition", "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1",
                    "--container-name", "web", "--container-port", "8080", "--deployment-config",
                    "CodeDeployDefault.ECSCanary10Percent5Minutes", "--output", "json")
                    : List.of("code-deploy-rolling", "--application", "myapp", "--deployment-group", "prod",
                    "--s3-bucket", "releases", "--s3-key", "myapp/app-1.2.3.zip", "--output", "json");
            long wall = System.nanoTime();
            Cli.Run r = new Cli(front.url()).clock(clock).run(cmd);
            clock.note();
            wall = System.nanoTime() - wall;
            JsonNode result = Json.MAPPER.readTree(r.out());
            if (r.exit() != 0) {
                throw new IllegalStateException("the benchmark deployment did not succeed: " + r);
            }
            Map<String, Integer> byOp = new TreeMap<>();
            result.path("apiCalls").fields().forEachRemaining(e -> byOp.put(e.getKey(), e.getValue().asInt()));
            long total = Duration.between(clock.start, clock.now()).toSeconds();
            long gets = clock.callsBetween(0, total + 1);
            long firstMinute = clock.callsBetween(0, 60);
            long after = gets - firstMinute;
            int traffic = byOp.getOrDefault("CodeDeploy.BatchGetDeploymentTargets", 0)
                    + byOp.getOrDefault("CodeDeploy.ListDeploymentTargets", 0);
            double windowsAfter = (total - 60) / 10.0;

            // Yardstick, measured on the same fake: GetDeployment every 15 s until it says Succeeded.
            CountingClock naiveClock = new CountingClock(front, "GetDeployment");
            int naive = naivePoller(front, naiveClock, result.path("deploymentId").asText(), fake, platform);

            System.out.println("== " + title);
            System.out.println("  deployment took (fake clock)        " + total / 60 + "m" + total % 60 + "s; "
                    + "benchmark wall time " + wall / 1_000_000 + " ms");
            System.out.println("  API calls by operation              " + byOp);
            System.out.printf("  GetDeployment                       %d in all: %d in the first minute, %d after%n",
                    gets, firstMinute, after);
            System.out.printf("  read calls per 10 s after minute 1  %.2f (GetDeployment %.2f + targets %.2f); "
                    + "goal <= 1.00%n", (after + traffic) / windowsAfter, after / windowsAfter,
                    traffic / windowsAfter);
            System.out.printf("  busiest minute                      %d calls%n", busiestMinute(clock, total));
            System.out.printf("  yardstick: fixed 15 s poller        %d GetDeployment = %.2f per 10 s%n", naive,
                    naive / (total / 10.0));
            System.out.printf("  yardstick: 41 calls/min             %d calls over %d minutes = %.2f per 10 s%n",
                    41 * total / 60, total / 60, 41 / 6.0);
            System.out.printf("  ours vs 15 s poller: %.0f %% of its calls; vs 41/min: %.1f %%%n",
                    100.0 * (gets + traffic) / naive, 100.0 * (gets + traffic) / (41.0 * total / 60));
            System.out.println();
        } finally {
            front.afterEach(null);
        }
    }

    private static long busiestMinute(CountingClock c, long total) {
        long max = 0;
        for (long m = 0; m * 60 < total + 1; m++) {
            max = Math.max(max, c.callsBetween(m * 60, (m + 1) * 60));
        }
        return max;
    }

    /** What a fixed 15 s waiter does on the same fake: one GetDeployment every 15 s until it succeeds. */
    private static int naivePoller(AwsFront front, CountingClock clock, String id, CodeDeployFake fake,
                                   String platform) throws Exception {
        front.wiremock().resetAll();
        fake.lifecycle(look("InProgress").platform(platform));
        clock.clock.at(DEPLOYMENT_TAKES, () -> fake.wiremock().stubFor(AwsFront.operation("GetDeployment")
                .atPriority(1).willReturn(AwsFront.json(look("Succeeded").body())
                        .withTransformers("response-template"))));
        int calls = 0;
        try (CodeDeployClient cd = CodeDeployClient.builder().endpointOverride(URI.create(front.url()))
                .region(Region.EU_WEST_1).credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("testing", "testing"))).build()) {
            while (true) {
                calls++;
                String status = cd.getDeployment(b -> b.deploymentId(id)).deploymentInfo().statusAsString();
                if (status.equals("Succeeded")) {
                    return calls;
                }
                clock.sleepUntil(clock.now().plusSeconds(15));
            }
        }
    }

    private static void given(MotoServer moto, AwsFront front, String platform) {
        new CodeDeployFake(front).givenApplication(moto, platform, "myapp/app-1.2.3.zip", null);
    }
}
