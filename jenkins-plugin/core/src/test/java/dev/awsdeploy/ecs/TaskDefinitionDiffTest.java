package dev.awsdeploy.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Given blue live on myapp:1 in moto, a dry run tells, field by field, what the deploy would change in the task
 * definition (as ecspresso's diff does) — and changes nothing.
 */
class TaskDefinitionDiffTest extends BlueGreenTestBase {
    private static List<String> changes(JsonNode result) {
        List<String> out = new ArrayList<>();
        result.path("taskDefinitionChanges").forEach(c -> out.add(c.path("field").asText() + ": "
                + (c.path("live").isNull() ? "(none)" : c.path("live").asText()) + " -> "
                + (c.path("new").isNull() ? "(none)" : c.path("new").asText())));
        return out;
    }

    @Test
    void aNewImageIsTheOnlyChangeAndItIsShown() {
        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--dry-run");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("containerDefinitions[myapp].image: " + BlueGreenWorld.V1 + " -> " + BlueGreenWorld.V2),
                changes(json(r)));
        assertTrue(r.err().contains("Task definition changes from myapp:1 (1):\n  containerDefinitions[myapp].image: "
                + BlueGreenWorld.V1 + " -> " + BlueGreenWorld.V2), r.err());
        assertEquals(List.of(), mutating());
        assertEquals(BlueGreenWorld.V1, world.image("myapp-green"));
    }

    @Test
    void theSourceDocumentsFileShowsEveryFieldItChangesAndNoneItKeeps() {
        Cli.Run r = deploy("--task-definition", Repo.path("resources/taskdefs/myapp-fargate.json"), "--dry-run");

        assertEquals(0, r.exit(), r.toString());
        List<String> changes = changes(json(r));
        String c = String.join("\n", changes);
        assertTrue(changes.contains("taskRoleArn: (none) -> arn:aws:iam::123456789012:role/ecsTaskRole"), c);
        assertTrue(changes.contains("containerDefinitions[myapp].image: " + BlueGreenWorld.V1
                + " -> 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/myapp:latest"), c);
        assertTrue(changes.contains("containerDefinitions[myapp].portMappings: (none) -> [{\"containerPort\":8080}]"),
                c);
        assertTrue(changes.contains("containerDefinitions[myapp].healthCheck: (none) -> {\"command\":[\"CMD-SHELL\","
                + "\"curl -f http://localhost:8080/actuator/health || exit 1\"],\"interval\":30,\"timeout\":5,"
                + "\"retries\":3,\"startPeriod\":60}"), c);
        assertTrue(changes.stream().anyMatch(x -> x.startsWith("containerDefinitions[myapp].secrets: (none) -> "
                + "[{\"name\":\"DB_PASSWORD\"")), c);
        assertTrue(changes.stream().anyMatch(x -> x.startsWith("containerDefinitions[myapp].logConfiguration: ")), c);
        assertTrue(changes.stream().anyMatch(x -> x.startsWith("containerDefinitions[log-router]: {\"name\":"
                + "\"log-router\"") && x.endsWith(" -> (none)")), c);
        // Kept as they are: family, network mode, CPU, memory, execution role, the environment.
        for (String kept : List.of("family", "networkMode", "cpu", "memory", "executionRoleArn",
                "requiresCompatibilities", "containerDefinitions[myapp].environment", "containerDefinitions[myapp].essential")) {
            assertFalse(changes.stream().anyMatch(x -> x.startsWith(kept + ":") || x.startsWith(kept + "[")
                    || x.startsWith(kept + ".")), kept + " is unchanged:\n" + c);
        }
        assertEquals(7, changes.size(), c);
        assertEquals(List.of(), mutating());
    }

    @Test
    void aChangedVariableIsShownAndASecretLookingOneIsNot(@TempDir Path dir) throws Exception {
        ObjectNode file = (ObjectNode) Json.MAPPER.readTree(Files.readString(Path.of(
                Repo.path("resources/taskdefs/myapp-fargate.json"))));
        ObjectNode web = (ObjectNode) file.path("containerDefinitions").get(0);
        web.put("image", BlueGreenWorld.V2);
        web.remove(List.of("portMappings", "secrets", "healthCheck", "logConfiguration"));
        file.remove("taskRoleArn");
        web.putArray("environment").add(Json.MAPPER.createObjectNode().put("name", "SPRING_PROFILES_ACTIVE")
                .put("value", "staging")).add(Json.MAPPER.createObjectNode().put("name", "DB_PASSWORD")
                .put("value", "hunter2-not-for-logs"));
        file.withArray("containerDefinitions").add(Json.MAPPER.createObjectNode().put("name", "log-router")
                .put("image", "amazon/aws-for-fluent-bit:2").put("essential", false));
        Path f = dir.resolve("taskdef.json");
        Files.writeString(f, Json.write(file));

        Cli.Run r = deploy("--task-definition", f.toString(), "--dry-run");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("containerDefinitions[myapp].image: " + BlueGreenWorld.V1 + " -> " + BlueGreenWorld.V2,
                "containerDefinitions[myapp].environment[SPRING_PROFILES_ACTIVE].value: production -> "
                + "staging", "containerDefinitions[myapp].environment[DB_PASSWORD]: (none) -> {\"name\":"
                + "\"DB_PASSWORD\",\"value\":\"(hidden value 1)\"}"), changes(json(r)));
        assertFalse(r.all().contains("hunter2"), r.toString());
        assertEquals(List.of(), mutating());
    }

    @Test
    void aNamedRevisionIsComparedWithTheLiveOne() {
        world.register(BlueGreenWorld.V2);
        moto.startCounting();

        Cli.Run r = deploy("--task-definition", "myapp:2", "--dry-run");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("containerDefinitions[myapp].image: " + BlueGreenWorld.V1 + " -> " + BlueGreenWorld.V2),
                changes(json(r)));
        assertEquals(List.of(), mutating());
    }
}
