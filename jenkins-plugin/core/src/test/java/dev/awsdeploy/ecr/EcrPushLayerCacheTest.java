package dev.awsdeploy.ecr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.Images;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.RegistryServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layer cache: an unchanged re-push of an uncompressed archive reads the layers and asks the registry, but
 * compresses nothing; an entry that does not match what the layer compresses to is refused and forgotten, and a
 * layer whose bytes changed under the same diff_id never uses the entry (and is not pushed: its config names another
 * layer).
 */
class EcrPushLayerCacheTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    static RegistryServer registry = RegistryServer.shared();

    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final byte[] BASE = Images.layer(71, 200_000);
    private static final byte[] APP = Images.layer(72, 100_000);

    @TempDir
    Path tmp;

    private final String repo = "team/cache-" + NAMES.incrementAndGet() + "-" + ProcessHandle.current().pid();

    private Cli cli() {
        return new Cli(moto.url()).env("AWS_DEPLOY_CACHE_DIR", tmp.resolve("cache").toString());
    }

    private Cli.Run push(Path archive, String repository, String... more) {
        List<String> args = Cli.args("ecr-push", "--source", "docker-archive:" + archive, "--repository", repository,
                "--registry-url", registry.url(), "--output", "json", "--create-repository");
        args.addAll(List.of(more));
        return cli().run(args);
    }

    private List<Path> entries() throws Exception {
        try (Stream<Path> s = Files.walk(tmp.resolve("cache"))) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void anUnchangedRePushCompressesNothingAndIsUnchanged() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "app:1", false, BASE, APP);
        Cli.Run first = push(archive, repo);
        assertEquals(0, first.exit(), first.toString());
        assertTrue(first.err().contains("Compressed 2 uncompressed layers"), first.err());
        assertEquals(2, entries().size(), "one entry per layer");
        registry.startCounting();

        Cli.Run again = push(archive, repo);

        assertEquals(0, again.exit(), again.toString());
        JsonNode result = Json.MAPPER.readTree(again.out());
        assertEquals("unchanged", result.path("status").asText());
        assertEquals(Json.MAPPER.readTree(first.out()).path("digest").asText(), result.path("digest").asText());
        assertFalse(again.err().contains("Compressed"), again.err());
        assertTrue(again.err().contains("2 uncompressed layers read and found in the layer cache"), again.err());
        assertEquals(List.of(), registry.uploads());
        // A fresh repository lacks the layers: the cached ones are compressed now, to the digests recorded.
        Cli.Run elsewhere = push(archive, repo + "-b");
        assertEquals(0, elsewhere.exit(), elsewhere.toString());
        assertEquals(result.path("digest").asText(), Json.MAPPER.readTree(elsewhere.out()).path("digest").asText());
        assertEquals(2, Json.MAPPER.readTree(elsewhere.out()).path("layersUploaded").asInt());
    }

    @Test
    void anEntryThatDoesNotMatchWhatTheLayerCompressesToIsRefusedAndForgotten() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "app:1", false, BASE);
        assertEquals(0, push(archive, repo).exit());
        Path entry = entries().get(0);
        Files.writeString(entry, "sha256:" + "0".repeat(64) + " 123\n", StandardCharsets.US_ASCII);

        Cli.Run r = push(archive, repo + "-b");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("not to the sha256:" + "0".repeat(64) + " the layer cache recorded"), r.err());
        assertFalse(Files.exists(entry), "the entry is forgotten");
        assertEquals(404, registry.manifest(repo + "-b", "1").status(), "nothing tagged");
        Cli.Run next = push(archive, repo + "-b");
        assertEquals(0, next.exit(), next.toString());
    }

    @Test
    void aLayerWhoseBytesChangedUnderTheSameDiffIdNeverUsesTheEntryAndIsRefused() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "app:1", false, BASE);
        Cli.Run first = push(archive, repo);
        assertEquals(0, first.exit(), first.toString());
        List<Path> before = entries();
        String entryBefore = Files.readString(before.get(0));
        // The same archive with other bytes of the same length in the layer: the config still claims the old diff_id.
        byte[] bytes = Files.readAllBytes(archive);
        int at = indexOf(bytes, java.util.Arrays.copyOfRange(BASE, 1024, 1056));
        bytes[at] ^= 0x55;
        Files.write(archive, bytes);

        Cli.Run r = push(archive, repo, "--tags", "changed");

        // The entry is not used (the changed bytes are compressed), and the image is not tagged: its config names
        // another layer than the one it holds, which a pull would refuse.
        assertEquals(1, r.exit(), r.toString());
        assertFalse(r.err().contains("found in the layer cache"), r.err());
        assertTrue(r.err().contains("Compressed 1 uncompressed layer"), r.err());
        assertTrue(r.err().contains("layer 1 of 1 of the image") && r.err().contains("rootfs.diff_ids lists "
                + Images.sha256(BASE)), r.err());
        assertEquals(404, registry.manifest(repo, "changed").status(), "nothing tagged");
        assertEquals(before, entries(), "no entry for the changed bytes");
        assertEquals(entryBefore, Files.readString(before.get(0)), "the entry of the real layer is kept");
        assertEquals("error", Json.MAPPER.readTree(r.out()).path("status").asText(), r.out());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
