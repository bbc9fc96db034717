package dev.awsdeploy.ecr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.Images;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.RegistryServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An uncompressed layer is hashed once it has been sent, and must be the layer the image config names
 * ({@code rootfs.diff_ids}): an archive whose layer bytes differ from what its config says is refused before anything
 * is tagged — a pull would refuse the image — in a repository the push creates as in one that exists (where layers
 * the registry holds are not sent, and are checked all the same); the layer cache records only layers that match.
 */
class EcrPushLayerCheckTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    static RegistryServer registry = RegistryServer.shared();

    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final byte[] BASE = Images.layer(81, 300_000);
    private static final byte[] APP = Images.textLayer(82, 200_000);

    @TempDir
    Path tmp;

    private final String repo = "team/check-" + NAMES.incrementAndGet() + "-" + ProcessHandle.current().pid();

    private Cli.Run push(Path archive, String tag) {
        return new Cli(moto.url()).env("AWS_DEPLOY_CACHE_DIR", tmp.resolve("cache").toString())
                .run(Cli.args("ecr-push", "--source", "docker-archive:" + archive, "--repository", repo,
                        "--registry-url", registry.url(), "--output", "json", "--create-repository", "--tags", tag));
    }

    /** The archive of BASE and APP with one byte of APP's file changed; the config still names the original. */
    private Path damaged(String name) throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve(name), "app:1", false, BASE, APP);
        byte[] bytes = Files.readAllBytes(archive);
        byte[] needle = java.util.Arrays.copyOfRange(APP, 4096, 4160);
        for (int i = 0; i <= bytes.length - needle.length; i++) {
            if (java.util.Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length)) {
                bytes[i + 7] ^= 0x01;
                Files.write(archive, bytes);
                return archive;
            }
        }
        throw new AssertionError("layer bytes not found in the archive");
    }

    private List<Path> cacheEntries() throws Exception {
        Path dir = tmp.resolve("cache");
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    private static void assertRefusedLayer2(Cli.Run r) {
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("layer 2 of 2 of the image"), r.err());
        assertTrue(r.err().contains("the config's rootfs.diff_ids lists " + Images.sha256(APP)), r.err());
        assertTrue(r.err().contains("nothing was tagged"), r.err());
        assertFalse(r.all().contains(RegistryServer.MOTO_PASSWORD), "the ECR password leaked: " + r.all());
    }

    @Test
    void aLayerThatIsNotWhatTheConfigNamesIsRefusedInARepositoryThePushCreates() throws Exception {
        Cli.Run r = push(damaged("damaged.tar"), "1");

        assertRefusedLayer2(r);
        assertTrue(r.err().contains("Created repository " + repo), r.err());
        JsonNode result = Json.MAPPER.readTree(r.out());
        assertEquals("error", result.path("status").asText(), r.out());
        assertEquals(404, registry.manifest(repo, "1").status(), "nothing tagged");
        // Only the layer that matches its diff_id is recorded in the layer cache.
        assertEquals(1, cacheEntries().size(), String.valueOf(cacheEntries()));
        assertEquals(Images.sha256(BASE).substring(7), cacheEntries().get(0).getFileName().toString());
    }

    @Test
    void aLayerThatIsNotWhatTheConfigNamesIsRefusedInARepositoryThatExists() throws Exception {
        Path good = Images.dockerArchive(tmp.resolve("good.tar"), "app:1", false, BASE, APP);
        Cli.Run first = push(good, "1");
        assertEquals(0, first.exit(), first.toString());
        String tagged = Json.MAPPER.readTree(first.out()).path("digest").asText();
        Files.walk(tmp.resolve("cache")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());

        Cli.Run r = push(damaged("damaged.tar"), "2");

        assertRefusedLayer2(r);
        assertEquals(404, registry.manifest(repo, "2").status(), "nothing tagged");
        assertEquals(tagged, registry.manifest(repo, "1").digestHeader(), "the tag of the good image is left alone");
        assertEquals(1, cacheEntries().size(), String.valueOf(cacheEntries()));

        // The same archive, whole again, pushes: the check is of this archive's bytes, not a memory of the last run.
        Cli.Run again = push(good, "2");
        assertEquals(0, again.exit(), again.toString());
        assertEquals(tagged, Json.MAPPER.readTree(again.out()).path("digest").asText());
        assertEquals(2, cacheEntries().size(), String.valueOf(cacheEntries()));
    }
}
