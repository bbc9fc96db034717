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
 * Given blue live on myapp:1 (v1, SPRING_PROFILES_ACTIVE=production), when a task definition file keeps the images
 * and changes only a setting, then it is a new version — registered, deployed and traffic moved — not "already
 * running"; the same file again is unchanged, and a file whose content the standby runs is an instant switch.
 */
class BlueGreenSettingsChangeTest extends BlueGreenTestBase {
    static final String CHANGED = "containerDefinitions[myapp].environment[SPRING_PROFILES_ACTIVE].value: "
            + "production -> production-eu";
    @TempDir
    Path dir;

    private Cli.Run deployFile(Path file) {
        return deploy("--task-definition", file.toString(), "--bake-time", "0s");
    }

    @Test
    void aFileThatChangesOnlyTheEnvironmentRegistersANewRevisionAndMovesTheTraffic() {
        Cli.Run r = deployFile(BlueGreenWorld.taskDefinitionFile(dir, BlueGreenWorld.V1, "production-eu"));

        assertEquals(0, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("deployed", j.path("status").asText());
        assertEquals("green", j.path("liveColor").asText());
        assertEquals(new Weights(0, 100), world.weights());
        assertEquals("production-eu", world.profile("myapp-green"));
        assertEquals(BlueGreenWorld.V1, world.image("myapp-green"));
        assertEquals("production", world.profile("myapp-blue"), "the old colour keeps the old settings");
        assertEquals(2, world.revisions());
        assertEquals(j.path("taskDefinitionArn").asText(), world.service("myapp-green").taskDefinition());
        assertEquals(List.of("RegisterTaskDefinition", "UpdateService", "ModifyRule"), mutating());
        String told = r.err();
        assertTrue(told.contains("Live blue (myapp:1) has the same images but is not the new version: environment "
                + "differs (" + CHANGED + ")"), told);
        assertTrue(told.contains("Standby green (myapp:1) has the same images but is not the new version, so no "
                + "instant switch: environment differs (" + CHANGED + ")"), told);
        assertTrue(told.contains("Registered myapp:2"), told);
    }

    @Test
    void theSameFileAgainIsUnchangedAndRegistersNothing() {
        Path file = BlueGreenWorld.taskDefinitionFile(dir, BlueGreenWorld.V1, "production-eu");
        assertEquals(0, deployFile(file).exit());
        moto.startCounting();

        Cli.Run r = deployFile(file);

        assertEquals(0, r.exit(), r.toString());
        assertEquals("unchanged", json(r).path("status").asText());
        assertEquals(List.of(), mutating());
        assertEquals(2, world.revisions());
        assertEquals(new Weights(0, 100), world.weights());
        assertTrue(r.err().contains("Already live: green runs " + BlueGreenWorld.V1 + " at 100 %, same settings as "
                + "the taskDefinition file: unchanged"), r.err());
    }

    @Test
    void aFileWhoseContentTheStandbyRunsSwitchesToItAtOnce() {
        Path changed = BlueGreenWorld.taskDefinitionFile(dir, BlueGreenWorld.V1, "production-eu");
        assertEquals(0, deployFile(changed).exit());
        moto.startCounting();

        // Back to myapp:1's content, which blue (now standby) runs: registered by someone else, so no content tag.
        Cli.Run back = deployFile(BlueGreenWorld.taskDefinitionFile(dir, BlueGreenWorld.V1, "production"));

        assertEquals(0, back.exit(), back.toString());
        assertEquals("switched", json(back).path("status").asText());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(world.td1, world.service("myapp-blue").taskDefinition());
        assertEquals(List.of("ModifyRule"), mutating());
        assertEquals(2, world.revisions());
        assertTrue(back.err().contains("Standby blue already runs " + BlueGreenWorld.V1 + " (myapp:1), same settings "
                + "as the taskDefinition file: checking it, then switching traffic"), back.err());

        // And forward again to the changed file, which green (now standby) runs under this tool's content tag.
        moto.startCounting();
        Cli.Run forward = deployFile(changed);

        assertEquals(0, forward.exit(), forward.toString());
        assertEquals("switched", json(forward).path("status").asText());
        assertEquals(new Weights(0, 100), world.weights());
        assertEquals(List.of("ModifyRule"), mutating());
        assertEquals(2, world.revisions());
    }

    @Test
    void aFileWithTagsIsRecognisedByItsContentTagAndATagChangeIsANewRevision() throws Exception {
        Path payments = withTag(BlueGreenWorld.taskDefinitionFile(dir, BlueGreenWorld.V1, "production"), "payments");
        Cli.Run first = deployFile(payments);
        assertEquals(0, first.exit(), first.toString());
        assertEquals("deployed", json(first).path("status").asText(), "myapp:1 has no tags: not the file's content");
        assertTrue(first.err().contains("tags differ ([] -> [team=payments])"), first.err());
        moto.startCounting();

        Cli.Run again = deployFile(payments);

        assertEquals(0, again.exit(), again.toString());
        assertEquals("unchanged", json(again).path("status").asText());
        assertEquals(List.of(), mutating());
        moto.startCounting();

        Cli.Run cards = deployFile(withTag(payments, "cards"));

        assertEquals(0, cards.exit(), cards.toString());
        assertEquals("deployed", json(cards).path("status").asText());
        assertEquals(List.of("RegisterTaskDefinition", "UpdateService", "ModifyRule"), mutating());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(List.of("team=cards"), world.ecs.describeTaskDefinition(b -> b.taskDefinition(
                world.service("myapp-blue").taskDefinition()).include(
                software.amazon.awssdk.services.ecs.model.TaskDefinitionField.TAGS)).tags().stream()
                .filter(t -> t.key().equals("team")).map(t -> t.key() + "=" + t.value()).toList());
        assertTrue(cards.err().contains("Live green (myapp:2) has the same images but is not the new version: tags "
                + "differ ([team=payments] -> [team=cards])"), cards.err());
    }

    /** The file with one tag, team={@code team}. */
    private Path withTag(Path file, String team) throws Exception {
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) dev.awsdeploy.run.Json.MAPPER.readTree(
                java.nio.file.Files.readString(file));
        json.putArray("tags").addObject().put("key", "team").put("value", team);
        Path out = dir.resolve("tagged-" + team + ".json");
        java.nio.file.Files.writeString(out, json.toString());
        return out;
    }

    @Test
    void anImageReplayDoesNotSwitchToAStandbyWithTheImageButOtherSettingsThanLive() {
        // green: v2 with production (standby after the next deploy); blue: v1 with production-eu (live).
        assertEquals(0, deploy("--image", BlueGreenWorld.V2, "--bake-time", "0s").exit());
        assertEquals(0, deployFile(BlueGreenWorld.taskDefinitionFile(dir, BlueGreenWorld.V1, "production-eu"))
                .exit());
        assertEquals(new Weights(100, 0), world.weights());
        moto.startCounting();

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--bake-time", "0s");

        assertEquals(0, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("deployed", j.path("status").asText());
        assertEquals(new Weights(0, 100), world.weights());
        assertEquals(BlueGreenWorld.V2, world.image("myapp-green"));
        assertEquals("production-eu", world.profile("myapp-green"), "live's settings, with the new image");
        assertEquals(List.of("RegisterTaskDefinition", "UpdateService", "ModifyRule"), mutating());
        assertEquals(4, world.revisions());
        assertTrue(r.err().contains("Standby green (myapp:2) has the same images but is not the new version, so no "
                + "instant switch: environment differs (" + CHANGED + ")"), r.err());
    }
}
