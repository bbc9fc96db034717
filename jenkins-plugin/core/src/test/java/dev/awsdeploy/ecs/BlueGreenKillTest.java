package dev.awsdeploy.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.EcsRolloutFront;
import dev.awsdeploy.testing.KillSwitch;
import dev.awsdeploy.testing.KillSwitch.Moment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash-safety claim, proven at every request boundary of a canary deploy (Canary10Percent5Minutes, a bake
 * watching an alarm, with short shift minutes on the fake clock): the run is killed — as SIGKILL would, nothing
 * after that moment runs — before each HTTP request; and for each request that changes AWS also after AWS applied
 * it but before the answer arrived, and after the answer but before the state was saved. (For a read the two
 * "after" moments leave AWS and the state file exactly as the kill before the tick's first request does.) Then it
 * is re-run with the same state file, and after each:
 * <ol>
 *   <li>weight &gt; 0 on green only after green's service was read running our task definition (PRIMARY,
 *   COMPLETED, running = desired) and its targets were read all healthy, after the last UpdateService;</li>
 *   <li>the re-run exits 0 with 100 % on green, read back from moto;</li>
 *   <li>one registered revision, no Delete or Deregister call;</li>
 *   <li>no secret in any output.</li>
 * </ol>
 */
class BlueGreenKillTest extends BlueGreenTestBase {
    private static final String SECRET = "kIlLtEsT/sEcReT+kEy0123456789abcdefABCDEF";
    @TempDir
    Path dir;

    @AfterEach
    void disarm() {
        KillSwitch.disarm();
    }

    private String[] args(Path state) {
        return new String[] {"--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes",
            "--bake-time", "1m", "--alarms", "HighErrorRate", "--state-file", state.toString()};
    }

    private void freshWorld() {
        world.close();
        moto.reset();
        rollouts.reset();
        rollouts.looksToComplete(1);
        faults.resetRequests();
        faults.resetScenarios();
        world = BlueGreenWorld.standard(moto.url());
        moto.startCounting();
        cli.env("AWS_DEPLOY_SHIFT_MINUTE", "2s").env("AWS_SECRET_ACCESS_KEY", SECRET);
    }

    record KillPoint(int attempt, String operation, Moment moment) {
        @Override
        public String toString() {
            return moment + " #" + attempt + " " + operation;
        }
    }

    @TestFactory
    Stream<DynamicTest> killedAtEveryRequestBoundaryAndReRunItConverges() {
        freshWorld();
        KillSwitch.arm(0, Moment.BEFORE);
        Cli.Run clean = deploy(args(dir.resolve("clean.state")));
        List<KillSwitch.Attempt> attempts = KillSwitch.disarm();
        assertEquals(0, clean.exit(), clean.toString());
        List<KillPoint> points = new ArrayList<>();
        for (KillSwitch.Attempt a : attempts) {
            points.add(new KillPoint(a.number(), a.operation(), Moment.BEFORE));
            if (a.mutating()) {
                points.add(new KillPoint(a.number(), a.operation(), Moment.AFTER_CHANGE));
                points.add(new KillPoint(a.number(), a.operation(), Moment.AFTER_ANSWER));
            }
        }
        assertTrue(attempts.stream().filter(KillSwitch.Attempt::mutating).count() >= 4, attempts.toString());
        System.out.println("kill points: " + points.size() + " over " + attempts.size() + " requests");
        return points.stream().map(p -> DynamicTest.dynamicTest(p.toString(), () -> killAndReRun(p)));
    }

    private void killAndReRun(KillPoint p) throws Exception {
        freshWorld();
        Path state = Files.createTempFile(dir, "kill", ".state");
        Files.delete(state);
        KillSwitch.arm(p.attempt(), p.moment());
        try {
            Cli.Run r = deploy(args(state));
            fail("not killed at " + p + ": " + r);
        } catch (KillSwitch.Killed expected) {
            // as SIGKILL: nothing after the kill ran
        } finally {
            KillSwitch.disarm();
        }
        assertTrafficOnlyOnVerifiedTargets(p);

        Cli.Run again = deploy(args(state));

        String all = again.all();
        assertEquals(0, again.exit(), p + ": " + again);
        assertEquals(new Weights(0, 100), world.weights(), p.toString());
        assertEquals(BlueGreenWorld.V2, world.image("myapp-green"), p.toString());
        assertEquals(2, world.revisions(), p + ": one revision registered");
        assertTrue(mutating().stream().noneMatch(m -> m.startsWith("Delete") || m.startsWith("Deregister")),
                p + ": " + mutating());
        assertFalse(all.contains(SECRET), p + ": the secret key leaked");
        assertTrafficOnlyOnVerifiedTargets(p);
        assertTrue(Files.notExists(state), p + ": the state file is cleared at the end");
    }

    /**
     * Invariant 1 over every request both runs made through the front: each ModifyRule giving green weight comes
     * after (since the last UpdateService of green) a DescribeServices answer with green's PRIMARY deployment
     * running our revision, COMPLETED, and a DescribeTargetHealth answer of green's group with every target
     * healthy.
     */
    private void assertTrafficOnlyOnVerifiedTargets(KillPoint p) throws Exception {
        List<ServeEvent> events = new ArrayList<>(faults.getAllServeEvents());
        events.sort(Comparator.comparing(e -> e.getRequest().getLoggedDate()));
        String ours = world.ecs.listTaskDefinitions(b -> b.familyPrefix("myapp")).taskDefinitionArns().stream()
                .filter(a -> !a.equals(world.td1)).findFirst().orElse(null);
        boolean serviceVerified = false;
        boolean targetsVerified = false;
        for (ServeEvent e : events) {
            String target = e.getRequest().getHeader("X-Amz-Target");
            String body = e.getRequest().getBodyAsString();
            String answer = e.getResponse().getBodyAsString();
            boolean ok = e.getResponse().getStatus() == 200;
            if (target != null && target.endsWith(".UpdateService") && body.contains("myapp-green")) {
                serviceVerified = false;
                targetsVerified = false;
            } else if (target != null && target.endsWith(".DescribeServices") && ok && ours != null) {
                for (JsonNode s : Json.MAPPER.readTree(answer).path("services")) {
                    if (!"myapp-green".equals(s.path("serviceName").asText())) {
                        continue;
                    }
                    for (JsonNode d : s.path("deployments")) {
                        if ("PRIMARY".equals(d.path("status").asText())) {
                            serviceVerified = ours.equals(d.path("taskDefinition").asText())
                                    && "COMPLETED".equals(d.path("rolloutState").asText())
                                    && d.path("runningCount").asInt() == d.path("desiredCount").asInt();
                        }
                    }
                }
            } else if (target == null && body.contains("Action=DescribeTargetHealth") && ok
                    && EcsRolloutFront.form(body).getOrDefault("TargetGroupArn", "").equals(world.greenTg)) {
                targetsVerified = answer.contains("<State>healthy</State>") && !answer.contains("unhealthy");
            } else if (target == null && body.contains("Action=ModifyRule") && greenWeight(body) > 0
                    && !(serviceVerified && targetsVerified)) {
                fail(p + ": ModifyRule gave green " + greenWeight(body) + " without green verified (service "
                        + serviceVerified + ", targets " + targetsVerified + ")");
            }
        }
    }

    private int greenWeight(String body) {
        Map<String, String> f = EcsRolloutFront.form(body);
        for (Map.Entry<String, String> e : f.entrySet()) {
            if (e.getValue().equals(world.greenTg) && e.getKey().endsWith(".TargetGroupArn")) {
                String w = f.get(e.getKey().replace(".TargetGroupArn", ".Weight"));
                return w == null ? 0 : Integer.parseInt(w);
            }
        }
        return 0;
    }
}
