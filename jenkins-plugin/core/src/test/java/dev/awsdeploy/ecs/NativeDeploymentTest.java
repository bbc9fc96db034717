package dev.awsdeploy.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.run.AbortSignal;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.EcsServiceDeploymentFront;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.ecs.model.DeploymentStrategy;
import software.amazon.awssdk.services.ecs.model.Service;

/**
 * Given one ECS-controlled service behind a production rule at 100 % on myapp-blue, when a new image is deployed
 * with deployment: 'ecs', then ECS's own deployment moves the traffic (in moto) and the step follows and checks it.
 */
class NativeDeploymentTest extends NativeTestBase {

    @Test
    void aCanaryWalksEcsStagesAndEndsWithTheNewRevisionServingAllProductionReadBack() {
        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes",
                "--bake-time", "5m", "--alarms", "HighErrorRate");

        assertEquals(0, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("deployed", j.path("status").asText());
        assertEquals("SUCCESSFUL", j.path("deploymentStatus").asText());
        assertEquals("CANARY", j.path("strategy").asText());
        assertTrue(j.path("serviceDeploymentArn").asText().contains(":service-deployment/prod/myapp/"), j.toString());
        assertEquals(new Weights(0, 100), world.weights(), "moto's rule: all production on myapp-green");
        assertEquals(BlueGreenWorld.V2, world.image());
        Service s = world.service();
        assertEquals(DeploymentStrategy.CANARY, s.deploymentConfiguration().strategy());
        assertEquals(10.0, s.deploymentConfiguration().canaryConfiguration().canaryPercent());
        assertEquals(5, s.deploymentConfiguration().canaryConfiguration().canaryBakeTimeInMinutes());
        assertEquals(5, s.deploymentConfiguration().bakeTimeInMinutes());
        assertEquals(List.of("HighErrorRate"), s.deploymentConfiguration().alarms().alarmNames());
        assertTrue(s.deploymentConfiguration().alarms().rollback());
        assertTrue(s.deploymentConfiguration().deploymentCircuitBreaker().enable(), "the service's own settings kept");
        assertEquals(List.of("RegisterTaskDefinition", "UpdateService"), mutating());
        // Stages as the polls saw them (a 5-second stage between two polls may pass unseen).
        List<String> stages = new ArrayList<>();
        j.path("stages").forEach(st -> stages.add(st.path("stage").asText()));
        List<String> main = List.of("RECONCILE_SERVICE", "SCALE_UP", "PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME",
                "CLEAN_UP");
        assertEquals(main, stages.stream().filter(main::contains).toList(), stages.toString());
        JsonNode canary = j.path("stages").get(stages.indexOf("PRODUCTION_TRAFFIC_SHIFT"));
        assertTrue(canary.path("seconds").asLong() >= 300, j.path("stages").toString());
        List<Double> weights = new ArrayList<>();
        j.path("weights").forEach(w -> weights.add(w.asDouble()));
        assertEquals(List.of(0.0, 10.0, 100.0), weights);
        String timeline = r.err();
        assertTrue(timeline.contains("Started ECS's CANARY deployment of myapp:2"), timeline);
        assertTrue(timeline.contains("Traffic: new revision 10 %, old 90 % (read back from myapp-green / myapp-blue)"),
                timeline);
        assertTrue(timeline.contains("Traffic: new revision 100 %, old 0 %"), timeline);
        assertTrue(timeline.contains("ECS: IN_PROGRESS, BAKE_TIME"), timeline);
        assertTrue(timeline.contains("Done: myapp runs myapp:2 with 100 % of production on myapp-green"), timeline);
        assertTrue(timeline.lines().filter(l -> l.contains("ECS: IN_PROGRESS, BAKE_TIME")).count() == 1,
                "no line per poll: " + timeline);
    }

    @Test
    void linearMovesTrafficInEcsStepsEachReadBack() {
        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Linear25PercentEvery1Minute",
                "--bake-time", "0m");

        assertEquals(0, r.exit(), r.toString());
        for (int p : new int[] {25, 50, 75, 100}) {
            assertTrue(r.err().contains("Traffic: new revision " + p + " %"), r.err());
        }
        assertEquals(new Weights(0, 100), world.weights());
        assertEquals(25.0, world.service().deploymentConfiguration().linearConfiguration().stepPercent());
        assertEquals(List.of("RegisterTaskDefinition", "UpdateService"), mutating());
    }

    @Test
    void anAlarmDuringTheCanaryStopsEcsWithRollbackWithinOnePollAndAllTrafficIsBackOnTheOldRevision(
            @TempDir Path dir) throws Exception {
        Path record = dir.resolve("record.json");
        clock.at(Duration.ofMinutes(2), () -> moto.setAlarmState(BlueGreenWorld.REGION, "HighErrorRate", "ALARM"));
        Instant start = clock.now();

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes",
                "--alarms", "HighErrorRate", "--poll-interval", "5s", "--record", record.toString());

        assertEquals(3, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("rolled-back", j.path("status").asText());
        assertEquals("aws-deploy", j.path("rolledBackBy").asText());
        assertEquals("ROLLBACK_SUCCESSFUL", j.path("deploymentStatus").asText());
        assertTrue(j.path("reason").asText().contains("HighErrorRate is ALARM"), j.toString());
        assertEquals(new Weights(100, 0), world.weights(), "moto's rule: all production back on myapp-blue");
        assertEquals(BlueGreenWorld.V1, world.image(), "the service runs the old revision again");
        assertEquals(List.of("RegisterTaskDefinition", "UpdateService", "StopServiceDeployment"), mutating());
        assertTrue(r.err().contains("Traffic: new revision 10 %"), r.err());
        assertTrue(r.err().contains("Traffic back: old revision 100 % on myapp-blue (read back)"), r.err());
        JsonNode actions = Json.MAPPER.readTree(Files.readString(record)).path("actions");
        Instant stopAt = Instant.parse(actions.get(actions.size() - 1).path("at").asText());
        assertEquals("StopServiceDeployment", actions.get(actions.size() - 1).path("action").asText());
        long afterAlarm = Duration.between(start.plus(Duration.ofMinutes(2)), stopAt).toMillis();
        assertTrue(afterAlarm >= 0 && afterAlarm <= 6000, "ROLLBACK " + afterAlarm + " ms after ALARM (poll 5s)");
    }

    @Test
    void aProductionRuleThatDisagreesWithEcsIsRolledBack() {
        ecsFront.skewProductionWeights(20);

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes");

        assertEquals(3, r.exit(), r.toString());
        JsonNode j = json(r);
        assertTrue(j.path("reason").asText().contains("the production rule shows myapp-blue 70 %, myapp-green 30 % "
                + "while ECS asked for 10 % on myapp-green"), j.toString());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(1, ecsFront.count("StopServiceDeployment"));
    }

    @Test
    void aHealthUrlFailingOnceProductionReachesTheNewRevisionRollsBack() throws Exception {
        com.sun.net.httpserver.HttpServer health = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        health.createContext("/health", ex -> {
            ex.sendResponseHeaders(503, -1);
            ex.close();
        });
        health.start();
        try {
            Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes",
                    "--health-check-url", "http://127.0.0.1:" + health.getAddress().getPort() + "/health");

            assertEquals(3, r.exit(), r.toString());
            assertTrue(json(r).path("reason").asText().contains("answered HTTP 503 2 times in a row"), r.toString());
            assertEquals(new Weights(100, 0), world.weights());
            assertTrue(r.err().contains("Traffic: new revision 10 %"), "probed once production reached it: "
                    + r.err());
        } finally {
            health.stop(0);
        }
    }

    @Test
    void theCircuitBreakerRollingBackIsReportedAsEcsRollingBackNeverAsSuccess() {
        ecsFront.nextDeployment("myapp", EcsServiceDeploymentFront.Ending.CIRCUIT_BREAKER);

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--alarms", "HighErrorRate");

        assertEquals(3, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("rolled-back", j.path("status").asText());
        assertEquals("ECS", j.path("rolledBackBy").asText());
        assertTrue(j.path("reason").asText().contains("ECS rolled the deployment back by itself"), j.toString());
        assertTrue(j.path("reason").asText().contains("deployment circuit breaker: 3 of 3 tasks failed"), j.toString());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(List.of("RegisterTaskDefinition", "UpdateService"), mutating(), "no StopServiceDeployment");
    }

    @Test
    void ecsOwnAlarmRollbackIsReportedWithTheAlarmEcsSaw() {
        world.ecs.deleteService(b -> b.cluster("prod").service("myapp").force(true));
        world.base.alarm("EcsLatency");
        world.service("myapp", List.of("EcsLatency"));
        moto.startCounting();
        ecsFront.startCounting();
        clock.at(Duration.ofMinutes(2), () -> moto.setAlarmState(BlueGreenWorld.REGION, "EcsLatency", "ALARM"));

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes");

        assertEquals(3, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("ECS", j.path("rolledBackBy").asText());
        assertTrue(j.path("reason").asText().contains("its alarms fired: EcsLatency"), j.toString());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(List.of("EcsLatency"), world.service().deploymentConfiguration().alarms().alarmNames(),
                "without alarms given, the service's own ECS alarms are kept");
    }

    @Test
    void anAbortDuringTheCanaryRollsBackThroughEcsAndReadsTheRuleBack() {
        AbortSignal abort = new AbortSignal();
        clock.at(Duration.ofMinutes(2), () -> abort.abort("aborted by SIGTERM"));

        Cli.Run r = cli.abort(abort).run("ecs-blue-green", "--deployment", "ecs", "--cluster", "prod", "--service",
                "myapp", "--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes", "--output",
                "json");

        assertEquals(3, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals(true, j.path("rolledBack").asBoolean());
        assertTrue(j.path("reason").asText().contains("SIGTERM"), j.toString());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(1, ecsFront.count("StopServiceDeployment"));
    }

    @Test
    void aDeploymentThatOutlivesItsDeadlineIsRolledBackAndTimesOut() {
        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes",
                "--bake-time", "5m", "--stable-timeout", "10s");

        assertEquals(4, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("timed-out", j.path("status").asText());
        assertTrue(j.path("reason").asText().contains("did not finish by"), j.toString());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(1, ecsFront.count("StopServiceDeployment"));
    }

    @ParameterizedTest(name = "killed at {0} s")
    @ValueSource(ints = {0, 20, 120, 400})
    void aKilledRunResumesTheSameServiceDeploymentWithItsDeadline(int killAt, @TempDir Path dir) throws Exception {
        // 0: registered; 20: ECS scaling up; 120: canary at 10 %; 400: baking at 100 %.
        Path state = dir.resolve("state.json");
        clock.at(Duration.ofSeconds(killAt), () -> {
            throw new IllegalStateException("killed");
        });
        String[] args = {"--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes", "--bake-time",
            "5m", "--alarms", "HighErrorRate", "--state-file", state.toString()};

        assertEquals(1, deploy(args).exit());
        JsonNode saved = Json.MAPPER.readTree(Files.readString(state)).path("state");
        String arn = saved.path("serviceDeploymentArn").asText(null);
        assertEquals(killAt > 0, arn != null, saved.toString());

        Cli.Run resumed = deploy(args);

        assertEquals(0, resumed.exit(), resumed.toString());
        assertTrue(resumed.err().contains("Resuming") && resumed.err().contains(saved.path("deadline").asText()),
                resumed.err());
        if (arn != null) {
            assertEquals(arn, json(resumed).path("serviceDeploymentArn").asText());
        }
        assertEquals(1, ecsFront.count("UpdateService"));
        assertEquals(1, ecsFront.count("RegisterTaskDefinition"));
        assertEquals(1, ecsFront.deploymentStatuses().size(), "one service deployment: " + ecsFront
                .deploymentStatuses());
        assertEquals(new Weights(0, 100), world.weights());
        assertTrue(Files.notExists(state));
    }

    @Test
    void aRunKilledBeforeItSavedTheArnAttachesInsteadOfStartingASecondDeployment(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state.json");
        clock.at(Duration.ofSeconds(20), () -> {
            throw new IllegalStateException("killed");
        });
        assertEquals(1, deploy("--image", BlueGreenWorld.V2, "--state-file", state.toString()).exit());
        Files.delete(state);
        ecsFront.startCounting();

        Cli.Run again = deploy("--image", BlueGreenWorld.V2);

        assertEquals(0, again.exit(), again.toString());
        assertEquals(true, json(again).path("attached").asBoolean());
        assertEquals(List.of(), mutating(), "no second UpdateService, no registration");
        assertEquals(1, ecsFront.deploymentStatuses().size());
        assertTrue(again.err().contains("attaching to it"), again.err());
        assertEquals(new Weights(0, 100), world.weights());
    }

    @Test
    void replayingTheLiveImageIsUnchangedWithNoMutatingCall() {
        assertEquals(0, deploy("--image", BlueGreenWorld.V2, "--bake-time", "1m").exit());
        moto.startCounting();
        ecsFront.startCounting();

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes");

        assertEquals(0, r.exit(), r.toString());
        assertEquals("unchanged", json(r).path("status").asText());
        assertEquals(List.of(), mutating());
        assertEquals(List.of(), moto.mutatingRequests());
        assertEquals(new Weights(0, 100), world.weights());
    }

    @Test
    void aDryRunShowsWhichTaskDefinitionFieldsChangeAndChangesNothing() {
        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Linear10PercentEvery2Minutes",
                "--dry-run");

        assertEquals(0, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("would-deploy", j.path("status").asText());
        JsonNode changes = j.path("taskDefinitionChanges");
        assertEquals(1, changes.size(), j.toString());
        assertEquals("containerDefinitions[myapp].image", changes.get(0).path("field").asText(), j.toString());
        assertEquals(BlueGreenWorld.V1, changes.get(0).path("live").asText());
        assertEquals(BlueGreenWorld.V2, changes.get(0).path("new").asText());
        assertTrue(j.path("plan").asText().contains("ECS strategy LINEAR (10 % more every 2 min"), j.toString());
        assertEquals(List.of(), mutating());
        assertEquals(List.of(), moto.mutatingRequests());
    }

    @Test
    void secretsNeverAppearInOutputOrRecord(@TempDir Path dir) throws Exception {
        String secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
        String token = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";
        Path record = dir.resolve("record.json");
        cli.env("AWS_SECRET_ACCESS_KEY", secret).env("AWS_ACCESS_KEY_ID", "FAKEKEYIDFORSECRETTEST")
                .env("AWS_SESSION_TOKEN", token);
        clock.at(Duration.ofMinutes(2), () -> moto.setAlarmState(BlueGreenWorld.REGION, "HighErrorRate", "ALARM"));

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes", "--alarms",
                "HighErrorRate", "--record", record.toString());

        assertEquals(3, r.exit(), r.toString());
        String everything = r.all() + Files.readString(record);
        for (String s : List.of(secret, token, "FAKEKEYIDFORSECRETTEST")) {
            assertFalse(everything.contains(s), "leaked " + s);
        }
        assertTrue(Files.readString(record).contains("StopServiceDeployment"));
    }
}
