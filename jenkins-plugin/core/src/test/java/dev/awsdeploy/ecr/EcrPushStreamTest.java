package dev.awsdeploy.ecr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.Images;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.RegistryFront;
import dev.awsdeploy.testing.RegistryServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Into a repository the push creates, an uncompressed layer is uploaded while it is compressed (POST, one streamed
 * PATCH, then the PUT naming the digest): what the registry holds afterwards is checked by its own digests, and a
 * failed attempt starts a new upload session.
 */
class EcrPushStreamTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    static RegistryServer registry = RegistryServer.shared();
    private static final AtomicInteger NAMES = new AtomicInteger();
    /**
     * Slow to compress (tens of MB/s), so its compression is still running when the repository exists, tens of
     * milliseconds into the push.
     */
    private static final byte[] BIG = Images.textLayer(41, 32 << 20);
    private static final byte[] SMALL = Images.layer(42, 30_000);

    @TempDir
    Path tmp;

    private final Cli cli = new Cli(moto.url());
    private final String repo = "stream/app-" + NAMES.incrementAndGet() + "-" + ProcessHandle.current().pid();

    private void assertHeldByTheRegistry(JsonNode result, String tag) throws Exception {
        RegistryServer.Manifest m = registry.manifest(repo, tag);
        assertEquals(200, m.status(), m.text());
        assertEquals(result.path("digest").asText(), m.digestHeader());
        assertEquals(result.path("digest").asText(), Images.sha256(m.bytes()));
        JsonNode layers = Json.MAPPER.readTree(m.bytes()).path("layers");
        assertEquals(2, layers.size());
        for (JsonNode l : layers) {
            // The registry computed this digest itself from the bytes it received, when the upload was committed.
            assertEquals(200, registry.blobStatus(repo, l.path("digest").asText()), l.toString());
        }
    }

    @Test
    void aLayerIsUploadedWhileItIsCompressedAndTheRegistryHoldsExactlyIt() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "myapp:1", false, BIG, SMALL);

        Cli.Run r = cli.run("ecr-push", "--source", "docker-archive:" + archive, "--repository", repo,
                "--create-repository", "--registry-url", registry.url(), "--output", "json");

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = Json.MAPPER.readTree(r.out());
        assertEquals("pushed", result.path("status").asText());
        assertEquals(2, result.path("layersUploaded").asInt());
        assertHeldByTheRegistry(result, "1");
        List<RegistryServer.Request> uploads = registry.uploads();
        // Jib's uploads of a blob of known digest open the session with ?mount=; a streamed one cannot name it.
        List<RegistryServer.Request> streamedSessions = uploads.stream()
                .filter(u -> u.method().equals("POST") && u.path().equals("/v2/" + repo + "/blobs/uploads/"))
                .toList();
        assertFalse(streamedSessions.isEmpty(), "the 32 MiB layer was streamed: " + uploads);
        assertEquals(3, uploads.stream().filter(u -> u.method().equals("PUT") && u.path().contains("/blobs/uploads/")
                && u.path().contains("digest=sha256") && u.status() == 201).count(),
                "two layers and the config, each committed once: " + uploads);
        assertTrue(r.err().lines().anyMatch(l -> l.contains("Uploaded layer 1 of 2, sha256:")
                && l.contains("while it was compressed")), r.err());
        assertTrue(r.err().lines().anyMatch(l -> l.contains("Uploading layer 1 of 2 while compressing it: ")
                && l.matches(".* MB sent at [0-9.]+ MB/s")), r.err());
        assertFalse(r.err().contains("Uploading layer 1 of 2: 25%"), "no share is claimed of a size not known yet: "
                + r.err());
    }

    @Test
    void twoIdenticalLayersStreamedAtOnceAreOneLayerUploadedAndTheManifestListsBoth() throws Exception {
        byte[] twice = Images.textLayer(43, 12 << 20);
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "myapp:3", false, twice, SMALL, twice);

        Cli.Run r = cli.run("ecr-push", "--source", "docker-archive:" + archive, "--repository", repo,
                "--create-repository", "--registry-url", registry.url(), "--output", "json");

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = Json.MAPPER.readTree(r.out());
        assertEquals(2, result.path("layersUploaded").asInt(), "two distinct layers: " + result);
        assertEquals(0, result.path("layersSkipped").asInt(), result.toString());
        RegistryServer.Manifest m = registry.manifest(repo, "3");
        assertEquals(result.path("digest").asText(), m.digestHeader());
        JsonNode layers = Json.MAPPER.readTree(m.bytes()).path("layers");
        assertEquals(3, layers.size());
        assertEquals(layers.get(0).path("digest").asText(), layers.get(2).path("digest").asText());
        for (JsonNode l : layers) {
            assertEquals(200, registry.blobStatus(repo, l.path("digest").asText()), l.toString());
        }
    }

    @Test
    void aStreamedUploadTheRegistryRefusesIsA401AfterAFreshTokenAndNoSecretIsShown() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "myapp:4", false, BIG, SMALL);
        RegistryServer refusing = RegistryServer.withPassword("not-the-ecr-token-password");

        Cli.Run r = cli.run("ecr-push", "--source", "docker-archive:" + archive, "--repository", repo,
                "--create-repository", "--registry-url", refusing.url(), "--output", "json");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("refused the ECR credentials (401 Unauthorized)"), r.err());
        assertTrue(r.err().contains("also with a fresh token"), r.err());
        assertFalse(r.all().contains(RegistryServer.MOTO_PASSWORD), "the ECR password leaked: " + r.all());
        assertFalse(r.err().contains("Tagged"), r.err());
    }

    @Test
    void aStreamedUploadAnswered503AndThenDroppedStartsANewSessionAndThePushCompletes() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "myapp:2", false, BIG, SMALL);
        try (RegistryFront front = new RegistryFront(registry.url())) {
            front.failNext("PATCH", RegistryFront.Fault.UNAVAILABLE, RegistryFront.Fault.DROPPED);
            FakeClock clock = new FakeClock();
            Instant start = clock.now();

            Cli.Run r = cli.clock(clock).run("ecr-push", "--source", "docker-archive:" + archive, "--repository",
                    repo, "--create-repository", "--registry-url", front.url(), "--output", "json");

            assertEquals(0, r.exit(), r + "\n" + front.seen());
            JsonNode result = Json.MAPPER.readTree(r.out());
            assertEquals(2, result.path("layersUploaded").asInt());
            assertHeldByTheRegistry(result, "2");
            // Two failed PATCHes, of whichever blobs met them (both layers and the config upload at once): each
            // attempt after a failure was waited for, on the step's clock.
            Duration waited = Duration.between(start, clock.now());
            assertTrue(waited.compareTo(Duration.ofSeconds(1)) >= 0 && waited.compareTo(Duration.ofSeconds(3)) <= 0,
                    "1 s after a first failure, 2 s after a second: " + waited);
            List<String> patches = front.seen().stream().filter(l -> l.startsWith("PATCH")).toList();
            assertEquals(5, patches.size(), "two layers and the config, and the two failed attempts: " + patches);
            assertEquals(3, patches.stream().filter(l -> l.endsWith("-> 202")).count(), patches.toString());
            assertTrue(front.seen().stream().anyMatch(l -> l.equals("POST /v2/" + repo + "/blobs/uploads/ -> 202")),
                    "a layer was streamed: " + front.seen());
        }
    }
}
