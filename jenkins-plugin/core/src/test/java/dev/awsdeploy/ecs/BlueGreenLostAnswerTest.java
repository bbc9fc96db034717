package dev.awsdeploy.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.testing.AwsFront.Loss;
import dev.awsdeploy.testing.Cli;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Given AWS applies a change and then its answer is lost (HTTP 500, or the connection dropped), when the deploy
 * goes on, then nothing is done twice that matters: one registered revision, traffic where it was meant to be.
 */
class BlueGreenLostAnswerTest extends BlueGreenTestBase {

    @ParameterizedTest(name = "{0} #{1} applied, then {2}")
    @CsvSource({
        "RegisterTaskDefinition, 1, HTTP_500", "RegisterTaskDefinition, 1, DROPPED",
        "UpdateService, 1, HTTP_500", "UpdateService, 1, DROPPED",
        "ModifyRule, 1, HTTP_500", "ModifyRule, 1, DROPPED",
        "ModifyRule, 2, HTTP_500", "ModifyRule, 2, DROPPED"})
    void aLostAnswerToAChangeEndsWithTheDeployDoneOnce(String op, int occurrence, Loss loss) {
        loseAnswer(op, occurrence, loss);

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes",
                "--bake-time", "1m", "--alarms", "HighErrorRate");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(new Weights(0, 100), world.weights());
        assertEquals(BlueGreenWorld.V2, world.image("myapp-green"));
        assertEquals(2, world.revisions(), "one revision registered, not two");
        assertEquals(1, moto.count("RegisterTaskDefinition"), "RegisterTaskDefinition is never retried blindly");
        assertTrue(mutating().stream().noneMatch(m -> m.startsWith("Delete") || m.startsWith("Deregister")),
                mutating().toString());
        if (op.equals("RegisterTaskDefinition")) {
            assertTrue(r.err().contains("its answer was lost, the revision was found by its content tag"), r.err());
        }
    }

    @ParameterizedTest(name = "the rollback's ModifyRule applied, then {0}")
    @CsvSource({"HTTP_500", "DROPPED"})
    void aLostAnswerToTheRollbackStillEndsRolledBack(Loss loss) {
        // ModifyRule 1: 10 %, 2: 100 %, 3: the rollback (the alarm fires during the bake).
        loseAnswer("ModifyRule", 3, loss);
        clock.at(Duration.ofMinutes(6), () -> moto.setAlarmState(BlueGreenWorld.REGION, "HighErrorRate", "ALARM"));

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes",
                "--bake-time", "5m", "--alarms", "HighErrorRate");

        assertEquals(3, r.exit(), r.toString());
        assertEquals(true, json(r).path("rolledBack").asBoolean(), r.toString());
        assertEquals(new Weights(100, 0), world.weights());
        assertTrue(r.err().contains("Rolled back: blue 100 % (read back)"), r.err());
    }

    @ParameterizedTest(name = "ModifyListener applied, then {0}")
    @CsvSource({"HTTP_500", "DROPPED"})
    void aLostAnswerToModifyListenerEndsWithAllTrafficOnGreen(Loss loss) {
        world.elb.modifyListener(b -> b.listenerArn(world.listener).defaultActions(BlueGreenWorld.forward(world.blueTg,
                100, world.greenTg, 0)));
        loseAnswer("ModifyListener", 1, loss);

        Cli.Run r = cli.run("ecs-blue-green", "--cluster", "prod", "--service", "myapp", "--listener-arn",
                world.listener, "--image", BlueGreenWorld.V2, "--bake-time", "0s", "--output", "json");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(new Weights(0, 100), world.listenerWeights());
        assertEquals(2, world.revisions());
    }
}
