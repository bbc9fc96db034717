package dev.awsdeploy.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.testing.Cli;
import java.util.List;
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
}
