package dev.awsdeploy.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.testing.Cli;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Given service myapp on myapp:1 (v1, SPRING_PROFILES_ACTIVE=production) with ECS's own deployments, when a task
 * definition file keeps the image and changes only the environment, then ECS deploys a new revision with it; the
 * same file again is unchanged.
 */
class NativeSettingsChangeTest extends NativeTestBase {
    @TempDir
    Path dir;

    private Cli.Run deployFile(Path file) {
        return deploy("--task-definition", file.toString(), "--bake-time", "0m");
    }

    @Test
    void aFileThatChangesOnlyTheEnvironmentIsDeployedByEcsAndTheSameFileAgainIsUnchanged() {
        Path file = BlueGreenWorld.taskDefinitionFile(dir, BlueGreenWorld.V1, "production-eu");

        Cli.Run r = deployFile(file);

        assertEquals(0, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("deployed", j.path("status").asText());
        assertEquals(new Weights(0, 100), world.weights(), "moto's rule: all production on the new revision");
        assertEquals(j.path("taskDefinitionArn").asText(), world.service().taskDefinition());
        assertEquals("production-eu", world.base.profile("myapp"));
        assertEquals(BlueGreenWorld.V1, world.image());
        assertEquals(List.of("RegisterTaskDefinition", "UpdateService"), mutating());
        assertTrue(r.err().contains("myapp runs myapp:1 with the same images, but it is not the new version: "
                + "environment differs (" + BlueGreenSettingsChangeTest.CHANGED + ")"), r.err());
        assertTrue(r.err().contains("Registered myapp:2"), r.err());
        moto.startCounting();
        ecsFront.startCounting();

        Cli.Run again = deployFile(file);

        assertEquals(0, again.exit(), again.toString());
        assertEquals("unchanged", json(again).path("status").asText());
        assertEquals(List.of(), mutating());
        assertEquals(List.of(), moto.mutatingRequests());
        assertEquals(2, world.base.revisions());
        assertTrue(again.err().contains("Already live: myapp runs " + BlueGreenWorld.V1 + " (myapp:2), same settings "
                + "as the taskDefinition file, with 100 % of production on myapp-green: unchanged"),
                again.err());
    }
}
