package dev.awsdeploy.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.run.AbortSignal;
import dev.awsdeploy.testing.EcsRolloutFront;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;

/** Given blue live at 100 % and green standby, when a new image is deployed, then AWS and the user show it. */
class EcsBlueGreenTest extends BlueGreenTestBase {

    @Test
    void allAtOnceDeploysTheNewImageToGreenAndMovesAllTrafficVerified() {
        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--bake-time", "1m", "--alarms", "HighErrorRate");

        assertEquals(0, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("deployed", j.path("status").asText());
        assertEquals("green", j.path("liveColor").asText());
        assertEquals("blue", j.path("previousColor").asText());
        assertEquals(false, j.path("rolledBack").asBoolean());
        assertEquals(new Weights(0, 100), world.weights());
        assertEquals(BlueGreenWorld.V2, world.image("myapp-green"));
        assertEquals(BlueGreenWorld.V1, world.image("myapp-blue"));
        TaskDefinition td = world.taskDefinition(world.service("myapp-green").taskDefinition());
        assertEquals(j.path("taskDefinitionArn").asText(), td.taskDefinitionArn());
        assertEquals("1024", td.memory());
        assertEquals("arn:aws:iam::123456789012:role/ecsTaskExecutionRole", td.executionRoleArn());
        assertEquals("amazon/aws-for-fluent-bit:2", td.containerDefinitions().get(1).image());
        assertEquals("production", td.containerDefinitions().get(0).environment().get(0).value());
        assertEquals(2, world.revisions());
        assertEquals(List.of("RegisterTaskDefinition", "UpdateService", "ModifyRule"), mutating());
        String timeline = r.err();
        assertTrue(timeline.contains("Registered myapp:2"), timeline);
        assertTrue(timeline.contains("Standby myapp-green running 1/2"), timeline);
        assertTrue(timeline.contains("targets healthy 2/2"), timeline);
        assertTrue(timeline.contains("Traffic: green 100 %, blue 0 % (read back)"), timeline);
        assertTrue(timeline.contains("Bake: alarms HighErrorRate=OK"), timeline);
        assertTrue(timeline.contains("Done: green"), timeline);
    }

    @Test
    void aCanaryWithAnAlarmDuringTheBakeRollsBackToBlueAndSaysWhy() {
        clock.at(Duration.ofMinutes(7), () -> moto.setAlarmState(BlueGreenWorld.REGION, "HighErrorRate", "ALARM"));

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes",
                "--bake-time", "5m", "--alarms", "HighErrorRate");

        assertEquals(3, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("rolled-back", j.path("status").asText());
        assertEquals(true, j.path("rolledBack").asBoolean());
        assertEquals("blue", j.path("liveColor").asText());
        assertTrue(j.path("reason").asText().contains("HighErrorRate is ALARM"), j.toString());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(List.of("RegisterTaskDefinition", "UpdateService", "ModifyRule", "ModifyRule", "ModifyRule"),
                mutating());
        assertTrue(r.err().contains("Traffic: green 10 %, blue 90 % (read back)"), r.err());
        assertTrue(r.err().contains("Traffic: green 100 %, blue 0 % (read back)"), r.err());
        assertTrue(r.err().contains("Rolled back: blue 100 % (read back)"), r.err());
        assertEquals(BlueGreenWorld.V2, world.image("myapp-green"), "the failed version stays on the standby");
        assertNothingDeleted();
    }

    @Test
    void anAlarmDuringTheCanaryRollsBackBeforeTheRestOfTheTrafficMoves() {
        clock.at(Duration.ofMinutes(2), () -> moto.setAlarmState(BlueGreenWorld.REGION, "HighErrorRate", "ALARM"));

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "ECSCanary10Percent5Minutes",
                "--alarms", "HighErrorRate");

        assertEquals(3, r.exit(), r.toString());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(List.of("RegisterTaskDefinition", "UpdateService", "ModifyRule", "ModifyRule"), mutating());
    }

    @Test
    void linearShiftMovesTrafficInStepsAndEndsAtOneHundredPercent() {
        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Linear25PercentEvery1Minute",
                "--bake-time", "0s");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(new Weights(0, 100), world.weights());
        for (int p : new int[] {25, 50, 75, 100}) {
            assertTrue(r.err().contains("Traffic: green " + p + " %"), r.err());
        }
        assertEquals(4, moto.count("ModifyRule"));
    }

    @Test
    void replayingTheLiveImageIsUnchangedWithNoMutatingCall() {
        Cli.Run r = deploy("--image", BlueGreenWorld.V1);

        assertEquals(0, r.exit(), r.toString());
        assertEquals("unchanged", json(r).path("status").asText());
        assertEquals(List.of(), mutating());
        assertEquals(new Weights(100, 0), world.weights());
    }

    @Test
    void replayingThePreviousImageSwitchesToTheStandbyWithASingleModifyRule() {
        assertEquals(0, deploy("--image", BlueGreenWorld.V2, "--bake-time", "1m").exit());
        int revisions = world.revisions();
        moto.startCounting();

        Cli.Run r = deploy("--image", BlueGreenWorld.V1, "--traffic-shift", "Canary10Percent5Minutes",
                "--alarms", "HighErrorRate");

        assertEquals(0, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("switched", j.path("status").asText());
        assertEquals("blue", j.path("liveColor").asText());
        assertEquals("AllAtOnce (instant switch)", j.path("trafficShift").asText());
        assertEquals(List.of("ModifyRule"), mutating());
        assertEquals(revisions, world.revisions());
        assertEquals(new Weights(100, 0), world.weights());
    }

    @Test
    void bakeOnRollbackSwitchesBackGraduallyWithABake() {
        assertEquals(0, deploy("--image", BlueGreenWorld.V2, "--bake-time", "1m").exit());
        moto.startCounting();

        Cli.Run r = deploy("--image", BlueGreenWorld.V1, "--traffic-shift", "Canary10Percent5Minutes",
                "--bake-on-rollback", "--bake-time", "2m");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("ModifyRule", "ModifyRule"), mutating());
        assertTrue(r.err().contains("Bake: blue at 100 % for 2m"), r.err());
    }

    @Test
    void ecsRollingTheStandbyBackIsAFailureWithTrafficUntouched() {
        rollouts.nextRollout("myapp-green", EcsRolloutFront.Ending.ROLLED_BACK);

        Cli.Run r = deploy("--image", BlueGreenWorld.V2);

        assertEquals(3, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("failed", j.path("status").asText());
        assertEquals(false, j.path("rolledBack").asBoolean());
        assertTrue(j.path("reason").asText().contains("ECS rolled myapp-green back to myapp:1"), j.toString());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(0, moto.count("ModifyRule"));
    }

    @Test
    void aFailedRolloutIsAFailureWithTrafficUntouched() {
        rollouts.nextRollout("myapp-green", EcsRolloutFront.Ending.FAILED);

        Cli.Run r = deploy("--image", BlueGreenWorld.V2);

        assertEquals(3, r.exit(), r.toString());
        assertTrue(json(r).path("reason").asText().contains("FAILED"), r.toString());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(0, moto.count("ModifyRule"));
    }

    @Test
    void unhealthyTargetsNeverReceiveTrafficAndTheWaitEndsAtStableTimeout() {
        rollouts.unhealthyTargets("myapp-green", 1);

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--stable-timeout", "2m");

        assertEquals(3, r.exit(), r.toString());
        String reason = json(r).path("reason").asText();
        assertTrue(reason.contains("did not become ready within 2m"), reason);
        assertTrue(reason.contains("targets healthy 1/2"), reason);
        assertTrue(reason.contains("unhealthy"), reason);
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(0, moto.count("ModifyRule"));
    }

    @Test
    void targetsTurningUnhealthyDuringTheBakeRollBack() {
        clock.at(Duration.ofMinutes(3), () -> rollouts.unhealthyTargets("myapp-green", 1));

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--bake-time", "10m");

        assertEquals(3, r.exit(), r.toString());
        assertTrue(json(r).path("reason").asText().contains("unhealthy"), r.toString());
        assertEquals(new Weights(100, 0), world.weights());
    }

    @Test
    void anAlarmAlreadyInAlarmRefusesToStartUnlessIgnored() {
        moto.setAlarmState(BlueGreenWorld.REGION, "HighErrorRate", "ALARM");
        moto.startCounting();

        Cli.Run refused = deploy("--image", BlueGreenWorld.V2, "--alarms", "HighErrorRate");

        assertEquals(3, refused.exit(), refused.toString());
        assertTrue(json(refused).path("reason").asText().contains("refused to start"), refused.toString());
        assertEquals(List.of(), mutating());

        Cli.Run ignored = deploy("--image", BlueGreenWorld.V2, "--alarms", "HighErrorRate",
                "--ignore-alarms-at-start", "--bake-time", "0s");
        assertEquals(0, ignored.exit(), ignored.toString());
    }

    @Test
    void aRuleCaughtMidShiftIsRefusedUnlessForced() {
        world.setRule(70, 30);
        moto.startCounting();

        Cli.Run refused = deploy("--image", BlueGreenWorld.V2);

        assertEquals(2, refused.exit(), refused.toString());
        assertTrue(refused.err().contains("force"), refused.err());
        assertTrue(refused.err().contains("mid-shift (blue 70 %, green 30 %)"), refused.err());
        assertEquals(List.of(), mutating());

        Cli.Run forced = deploy("--image", BlueGreenWorld.V2, "--force", "--bake-time", "0s");
        assertEquals(0, forced.exit(), forced.toString());
        assertEquals(new Weights(0, 100), world.weights());
    }

    @Test
    void theListenersDefaultActionCanCarryTheTraffic() {
        Cli.Run r = cli.run("ecs-blue-green", "--cluster", "prod", "--blue-service", "myapp-blue", "--green-service",
                "myapp-green", "--listener-arn", world.listener, "--image", BlueGreenWorld.V2, "--bake-time", "0s");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(new Weights(0, 100), world.listenerWeights());
        assertEquals(new Weights(100, 0), world.weights(), "the rule was not touched");
        assertEquals(1, moto.count("ModifyListener"));
    }

    @Test
    void theSourceDocumentsFargateTaskDefinitionWorksUnchanged() {
        Cli.Run r = deploy("--task-definition", dev.awsdeploy.testing.Repo.path("resources/taskdefs/myapp-fargate.json"),
                "--bake-time", "0s");

        assertEquals(0, r.exit(), r.toString());
        TaskDefinition td = world.taskDefinition(world.service("myapp-green").taskDefinition());
        assertEquals("myapp", td.family());
        assertEquals("123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/myapp:latest",
                td.containerDefinitions().get(0).image());
        assertEquals("arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:prod/db/password",
                td.containerDefinitions().get(0).secrets().get(0).valueFrom());
        assertEquals(60, td.containerDefinitions().get(0).healthCheck().startPeriod());
        assertEquals("/ecs/myapp", td.containerDefinitions().get(0).logConfiguration().options().get("awslogs-group"));
        assertEquals("ap-northeast-2", json(r).path("taskDefinitionArn").asText().split(":")[3]);
    }

    @Test
    void anExistingRevisionIsDeployedWithoutRegistering() {
        String td2 = world.register(BlueGreenWorld.V2);
        moto.startCounting();

        Cli.Run r = deploy("--task-definition", "myapp:2", "--bake-time", "0s");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(td2, world.service("myapp-green").taskDefinition());
        assertEquals(List.of("UpdateService", "ModifyRule"), mutating());
    }

    @Test
    void scaleDownStandbyLeavesTheOldColourWithNoTasks() {
        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--bake-time", "0s", "--scale-down-standby");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(0, world.service("myapp-blue").desiredCount());
        assertEquals(2, world.service("myapp-green").desiredCount());
        assertEquals(BlueGreenWorld.V1, world.image("myapp-blue"), "the old service and its version are kept");
        assertNothingDeleted();
    }

    /** DESIGN.md 5: nothing a rollback needs (task definitions, the old service) is deleted. */
    private void assertNothingDeleted() {
        assertTrue(mutating().stream().noneMatch(op -> op.startsWith("Delete") || op.startsWith("Deregister")),
                mutating().toString());
    }

    @Test
    void aDryRunReadsEverythingAndChangesNothing() {
        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes", "--dry-run");

        assertEquals(0, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("would-deploy", j.path("status").asText());
        assertTrue(j.path("plan").asText().contains("register a task definition with " + BlueGreenWorld.V2), j.toString());
        assertEquals(List.of(), mutating());
        assertEquals(BlueGreenWorld.V1, world.image("myapp-green"));
    }

    @Test
    void anAbortDuringTheCanaryPutsAllTrafficBackOnBlue() {
        AbortSignal abort = new AbortSignal();
        clock.at(Duration.ofMinutes(1), () -> abort.abort("aborted by SIGTERM"));

        Cli.Run r = cli.abort(abort).run("ecs-blue-green", "--cluster", "prod", "--service", "myapp",
                "--listener-rule-arn", world.rule, "--image", BlueGreenWorld.V2, "--traffic-shift",
                "Canary10Percent5Minutes", "--output", "json");

        assertEquals(3, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals(true, j.path("rolledBack").asBoolean());
        assertTrue(j.path("reason").asText().contains("SIGTERM"), j.toString());
        assertEquals(new Weights(100, 0), world.weights());
    }

    @ParameterizedTest(name = "killed at {0} s of the deploy")
    @ValueSource(ints = {0, 3, 120, 330})
    void aKilledRunResumesFromItsStateFileWithoutRegisteringOrUpdatingTwice(int killAt, @TempDir Path dir) {
        // 0: right after registering; else seconds after the deployment lease is taken (its settle pause comes
        // first): 3: waiting for the standby; 120: holding 10 %; 330: baking at 100 %.
        Path state = dir.resolve("state.json");
        Runnable kill = () -> {
            throw new IllegalStateException("killed");
        };
        if (killAt == 0) {
            clock.atFirstSleepWhen(() -> moto.count("RegisterTaskDefinition") > 0, kill);
        } else {
            clock.at(DeploymentLease.SETTLE.plusSeconds(killAt), kill);
        }
        String[] args = {"--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes", "--bake-time",
            "1m", "--alarms", "HighErrorRate", "--state-file", state.toString()};

        Cli.Run killed = deploy(args);

        assertEquals(1, killed.exit(), killed.toString());
        assertTrue(Files.exists(state));

        Cli.Run resumed = deploy(args);

        assertEquals(0, resumed.exit(), resumed.toString());
        assertTrue(resumed.err().contains("Resuming"), resumed.err());
        assertEquals(new Weights(0, 100), world.weights());
        assertEquals(BlueGreenWorld.V2, world.image("myapp-green"));
        assertEquals(1, moto.count("RegisterTaskDefinition"));
        assertEquals(1, moto.count("UpdateService"));
        assertEquals(2, world.revisions());
        assertTrue(Files.notExists(state), "the state file is cleared at the end");
    }

    @Test
    void aRunKilledMidCanaryHasTrafficSplitUntilItIsResumed(@TempDir Path dir) {
        Path state = dir.resolve("state.json");
        clock.at(Duration.ofMinutes(2), () -> {
            throw new IllegalStateException("killed");
        });
        assertEquals(1, deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes",
                "--state-file", state.toString()).exit());
        assertEquals(new Weights(90, 10), world.weights());

        Cli.Run other = deploy("--image", BlueGreenWorld.REPO + ":v3");

        assertEquals(2, other.exit(), "another deploy must not start over a split rule: " + other);
        assertTrue(other.err().contains("mid-shift"), other.err());
    }

    @Test
    void anAbortWhileWaitingForTheStandbyLeavesTrafficUntouched() {
        AbortSignal abort = new AbortSignal();
        rollouts.looksToComplete(10);
        clock.at(Duration.ofSeconds(5), () -> abort.abort("aborted by SIGINT"));

        Cli.Run r = cli.abort(abort).run("ecs-blue-green", "--cluster", "prod", "--service", "myapp",
                "--listener-rule-arn", world.rule, "--image", BlueGreenWorld.V2, "--output", "json");

        assertEquals(3, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals(false, j.path("rolledBack").asBoolean());
        assertTrue(j.path("reason").asText().contains("aborted (aborted by SIGINT); traffic was not moved"), j.toString());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(0, moto.count("ModifyRule"));
    }

    @Test
    void aRunKilledRightAfterRegisteringFindsItsTaskDefinitionInsteadOfRegisteringAgain(@TempDir Path dir)
            throws Exception {
        Path state = dir.resolve("state.json");
        clock.atFirstSleepWhen(() -> moto.count("RegisterTaskDefinition") > 0, () -> {
            throw new IllegalStateException("killed");
        });
        assertEquals(1, deploy("--image", BlueGreenWorld.V2, "--state-file", state.toString()).exit());
        Files.delete(state); // as if the process died before it could write the state

        Cli.Run again = deploy("--image", BlueGreenWorld.V2, "--bake-time", "0s");

        assertEquals(0, again.exit(), again.toString());
        assertEquals(1, moto.count("RegisterTaskDefinition"));
        assertTrue(again.err().contains("already registered"), again.err());
    }

    @Test
    void secretsNeverAppearInOutputOrRecord(@TempDir Path dir) throws Exception {
        String secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
        String keyId = "FAKEKEYIDFORSECRETTEST";
        Path record = dir.resolve("record.json");
        cli.env("AWS_SECRET_ACCESS_KEY", secret).env("AWS_ACCESS_KEY_ID", keyId).env("AWS_SESSION_TOKEN",
                "FwoGZXIvYXdzEXAMPLESESSIONTOKEN");
        clock.at(Duration.ofMinutes(1), () -> moto.setAlarmState(BlueGreenWorld.REGION, "HighErrorRate", "ALARM"));

        Cli.Run r = deploy("--task-definition", dev.awsdeploy.testing.Repo.path("resources/taskdefs/myapp-fargate.json"),
                "--alarms", "HighErrorRate", "--record", record.toString());

        assertEquals(3, r.exit(), r.toString());
        String everything = r.all() + Files.readString(record);
        for (String s : List.of(secret, keyId, "FwoGZXIvYXdzEXAMPLESESSIONTOKEN")) {
            assertTrue(!everything.contains(s), "leaked " + s);
        }
        assertTrue(Files.readString(record).contains("RegisterTaskDefinition"));
    }

    @Test
    void theDefaultPollEasesOffDuringACalmBakeButNeverBeyondHalfTheShortestAlarmPeriod() {
        world.alarm("FastErrors", 10);

        Cli.Run calm = deploy("--image", BlueGreenWorld.V2, "--alarms", "HighErrorRate", "--bake-time", "10m");
        Cli.Run fast = deploy("--image", BlueGreenWorld.REPO + ":v3", "--alarms", "HighErrorRate,FastErrors",
                "--bake-time", "10m");
        Cli.Run strict = deploy("--image", BlueGreenWorld.REPO + ":v4", "--alarms", "HighErrorRate",
                "--bake-time", "10m", "--poll-interval", "5s");

        int calmReads = json(calm).path("apiCalls").path("CloudWatch.DescribeAlarms").asInt();
        int fastReads = json(fast).path("apiCalls").path("CloudWatch.DescribeAlarms").asInt();
        int strictReads = json(strict).path("apiCalls").path("CloudWatch.DescribeAlarms").asInt();
        // 10 minutes: 5 s polls would be 120 looks; easing to 30 s makes about 25; a 10 s alarm keeps 5 s.
        assertTrue(calmReads <= 30, "calm bake: " + calmReads);
        assertTrue(fastReads >= 115, "10 s alarm: " + fastReads);
        assertTrue(strictReads >= 115, "explicit 5s: " + strictReads);
    }
}
