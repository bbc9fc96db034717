package dev.awsdeploy.ecr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.AwsClients;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.Images;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.RegistryServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.Repository;

/**
 * Given moto as ECR and a real docker-registry that accepts moto's ECR token, when images are pushed, then the
 * registry holds exactly the image whose digest the step returned, only missing layers travel, and the user is told.
 */
class EcrPushTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    static RegistryServer registry = RegistryServer.shared();

    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final byte[] BASE = Images.layer(1, 300_000);
    private static final byte[] APP = Images.layer(2, 200_000);
    private static final byte[] PATCH = Images.layer(3, 100_000);

    @TempDir
    Path tmp;

    private final Cli cli = new Cli(moto.url());
    /** Each test its own repository: the registry keeps what earlier tests pushed. */
    private final String repo = "team/app-" + NAMES.incrementAndGet() + "-" + ProcessHandle.current().pid();

    private List<String> push(String source, String... more) {
        List<String> args = new ArrayList<>(List.of("ecr-push", "--source", source, "--repository", repo,
                "--registry-url", registry.url(), "--output", "json"));
        args.addAll(List.of(more));
        return args;
    }

    static JsonNode json(Cli.Run r) throws Exception {
        return Json.MAPPER.readTree(r.out());
    }

    static Repository repository(String name) {
        try (EcrClient ecr = AwsClients.ecr(moto.url(), "eu-west-1")) {
            return ecr.describeRepositories(r -> r.repositoryNames(name)).repositories().get(0);
        }
    }

    @Test
    void aDockerSaveArchiveIsPushedAndTheRegistryServesTheManifestWithTheReturnedDigest() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "myapp:1.4.2", false, BASE, APP);

        Cli.Run r = cli.run(push("docker-archive:" + archive, "--create-repository"));

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals("pushed", result.path("status").asText());
        String digest = result.path("digest").asText();
        assertTrue(digest.matches("sha256:[0-9a-f]{64}"), digest);
        assertEquals("123456789012.dkr.ecr.eu-west-1.amazonaws.com/" + repo + "@" + digest,
                result.path("imageUri").asText());
        assertEquals("[\"1.4.2\"]", result.path("tags").toString(), "the archive's own tag");
        assertEquals(2, result.path("layersUploaded").asInt());
        assertEquals(0, result.path("layersSkipped").asInt());
        RegistryServer.Manifest m = registry.manifest(repo, "1.4.2");
        assertEquals(200, m.status(), m.text());
        assertEquals(digest, Images.sha256(m.bytes()));
        assertEquals(digest, m.digestHeader());
        JsonNode manifest = Json.MAPPER.readTree(m.bytes());
        assertEquals("application/vnd.docker.distribution.manifest.v2+json", manifest.path("mediaType").asText());
        for (JsonNode l : manifest.path("layers")) {
            assertEquals("application/vnd.docker.image.rootfs.diff.tar.gzip", l.path("mediaType").asText());
            assertEquals(200, registry.blobStatus(repo, l.path("digest").asText()));
        }
        assertEquals("MUTABLE", repository(repo).imageTagMutabilityAsString());
        assertTrue(r.err().contains("Created repository " + repo), r.err());
        assertTrue(r.err().contains("Tagged " + digest + " as " + repo + ":1.4.2"), r.err());
    }

    @Test
    void pushingTheSameImageAgainIsUnchangedAndSendsNothing() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "myapp:1.4.2", false, BASE, APP);
        Cli.Run first = cli.run(push("docker-archive:" + archive, "--create-repository", "--tags", "1.4.2,latest"));
        assertEquals(0, first.exit(), first.toString());
        moto.startCounting();
        registry.startCounting();

        Cli.Run again = cli.run(push("docker-archive:" + archive, "--tags", "1.4.2,latest"));

        assertEquals(0, again.exit(), again.toString());
        JsonNode result = json(again);
        assertEquals("unchanged", result.path("status").asText());
        assertEquals(json(first).path("digest").asText(), result.path("digest").asText());
        assertEquals(0, result.path("bytesUploaded").asLong());
        assertEquals(0, result.path("layersUploaded").asInt());
        assertEquals(List.of(), registry.uploads(), "nothing uploaded, no tag written");
        assertEquals(List.of(), moto.mutatingRequests());
        assertTrue(again.err().contains("already point to " + result.path("digest").asText()
                + ": unchanged, nothing uploaded"), again.err());
    }

    @Test
    void anImageSharingLayersWithAnEarlierOneUploadsOnlyItsNewLayer() throws Exception {
        Path v1 = Images.dockerArchive(tmp.resolve("v1.tar"), "myapp:1", false, BASE, APP);
        Path v2 = Images.dockerArchive(tmp.resolve("v2.tar"), "myapp:2", false, BASE, APP, PATCH);
        assertEquals(0, cli.run(push("docker-archive:" + v1, "--create-repository")).exit());
        registry.startCounting();

        Cli.Run r = cli.run(push("docker-archive:" + v2));

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals(1, result.path("layersUploaded").asInt());
        assertEquals(2, result.path("layersSkipped").asInt());
        JsonNode patchLayer = Json.MAPPER.readTree(registry.manifest(repo, "2").bytes()).path("layers").get(2);
        long configSize = Json.MAPPER.readTree(registry.manifest(repo, "2").bytes()).path("config").path("size")
                .asLong();
        assertEquals(patchLayer.path("size").asLong() + configSize, result.path("bytesUploaded").asLong(),
                "bytes sent = the new layer (compressed) + the new config");
        List<String> started = registry.uploads().stream().filter(q -> q.method().equals("POST"))
                .map(RegistryServer.Request::path).toList();
        assertEquals(2, started.size(), "one upload for the new layer, one for the config: " + registry.requests());
        assertTrue(r.err().contains("is already in the repository"), r.err());
    }

    @Test
    void anOciLayoutWithCompressedLayersIsPushedAsItIsKeepingItsDigest() throws Exception {
        Path layout = Images.ociLayout(tmp.resolve("oci"), "2.0.0", BASE, APP);

        Cli.Run r = cli.run(push("oci:" + layout, "--create-repository"));

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals(Images.ociManifestDigest(layout), result.path("digest").asText(), "no layer recompressed");
        assertEquals("[\"2.0.0\"]", result.path("tags").toString());
        RegistryServer.Manifest m = registry.manifest(repo, "2.0.0");
        assertEquals(result.path("digest").asText(), Images.sha256(m.bytes()));
        assertEquals("application/vnd.oci.image.manifest.v1+json", m.mediaType());
        assertFalse(r.err().contains("Compressing"), r.err());
    }

    @Test
    void anOciLayoutIsPickedByItsRefName() throws Exception {
        Path layout = Images.ociLayout(tmp.resolve("oci"), "2.0.0", BASE);

        Cli.Run wrong = cli.run(push("oci:" + layout + ":3.0.0", "--create-repository"));
        Cli.Run right = cli.run(push("oci:" + layout + ":2.0.0", "--create-repository", "--tags", "stable"));

        assertEquals(2, wrong.exit(), wrong.toString());
        assertTrue(wrong.err().contains("has no image named '3.0.0'; pick one with oci:DIR:NAME; it holds 2.0.0"),
                wrong.err());
        assertEquals(0, right.exit(), right.toString());
        assertEquals(200, registry.manifest(repo, "stable").status());
    }

    @Test
    void compressedLayersOfADockerArchiveAreSentAsTheyAreNotRecompressed() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("gz.tar"), "myapp:gz", true, BASE, APP);

        Cli.Run r = cli.run(push("docker-archive:" + archive, "--create-repository"));

        assertEquals(0, r.exit(), r.toString());
        JsonNode layers = Json.MAPPER.readTree(registry.manifest(repo, "gz").bytes()).path("layers");
        assertEquals(Images.sha256(Images.gzip(BASE)), layers.get(0).path("digest").asText());
        assertEquals(Images.sha256(Images.gzip(APP)), layers.get(1).path("digest").asText());
        assertFalse(r.err().contains("Compressing"), r.err());
    }

    @Test
    void aGzippedArchiveAndAnArchiveWithSeveralImagesAreRead() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "myapp:7", false, BASE);
        Path gz = tmp.resolve("image.tar.gz");
        Files.write(gz, Images.gzip(Files.readAllBytes(archive)));

        Cli.Run r = cli.run(push("docker-archive:" + gz, "--create-repository"));

        assertEquals(0, r.exit(), r.toString());
        assertEquals(json(r).path("digest").asText(), registry.manifest(repo, "7").digestHeader());
    }

    @Test
    void anImmutableTagOnAnotherImageIsRefusedWithExit3AndNothingIsSent() throws Exception {
        Path v1 = Images.dockerArchive(tmp.resolve("v1.tar"), "myapp:1", false, BASE);
        Path v1b = Images.dockerArchive(tmp.resolve("v1b.tar"), "myapp:1", false, BASE, PATCH);
        Cli.Run first = cli.run(push("docker-archive:" + v1, "--create-repository", "--tag-mutability", "IMMUTABLE",
                "--scan-on-push"));
        assertEquals(0, first.exit(), first.toString());
        assertEquals("IMMUTABLE", repository(repo).imageTagMutabilityAsString());
        assertTrue(repository(repo).imageScanningConfiguration().scanOnPush());
        registry.startCounting();

        Cli.Run r = cli.run(push("docker-archive:" + v1b));

        assertEquals(3, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals("FAILED", result.path("outcome").asText());
        assertEquals("tag-conflict", result.path("status").asText());
        assertTrue(result.path("summary").asText().contains("push under a new tag"), r.out());
        assertEquals(List.of(), registry.uploads());
        assertEquals(json(first).path("digest").asText(), registry.manifest(repo, "1").digestHeader(),
                "the tag still points to the first image");

        Cli.Run same = cli.run(push("docker-archive:" + v1));
        assertEquals(0, same.exit(), same.toString());
        assertEquals("unchanged", json(same).path("status").asText(), "the same image on an immutable tag is fine");
    }

    @Test
    void aMutableTagIsMovedToTheNewImage() throws Exception {
        Path v1 = Images.dockerArchive(tmp.resolve("v1.tar"), "myapp:latest", false, BASE);
        Path v2 = Images.dockerArchive(tmp.resolve("v2.tar"), "myapp:latest", false, BASE, APP);
        String first = json(cli.run(push("docker-archive:" + v1, "--create-repository"))).path("digest").asText();

        Cli.Run r = cli.run(push("docker-archive:" + v2));

        assertEquals(0, r.exit(), r.toString());
        String second = json(r).path("digest").asText();
        assertFalse(first.equals(second));
        assertEquals(second, registry.manifest(repo, "latest").digestHeader());
        assertTrue(r.err().contains("(was " + first + ")"), r.err());
    }

    @Test
    void aDryRunReadsAndPlansButCreatesAndSendsNothing() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "myapp:1", false, BASE);

        Cli.Run r = cli.run(push("docker-archive:" + archive, "--create-repository", "--dry-run"));

        assertEquals(0, r.exit(), r.toString());
        assertEquals("would-push", json(r).path("status").asText());
        assertTrue(json(r).path("summary").asText().contains("would create repository " + repo), r.out());
        assertEquals(List.of(), moto.mutatingRequests());
        assertEquals(List.of(), registry.uploads());
    }

    @Test
    void aLargeLayerReportsEachQuarterWithItsRateAndSmallOnesOneLine() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("big.tar"), "myapp:big", false, Images.layer(11, 20 << 20),
                APP);
        // An existing repository: the layer is compressed, then sent with its size known (into one this push
        // creates it may be sent while compressed, whose lines EcrPushStreamTest checks).
        try (EcrClient ecr = AwsClients.ecr(moto.url(), "eu-west-1")) {
            ecr.createRepository(c -> c.repositoryName(repo));
        }

        Cli.Run r = cli.run(push("docker-archive:" + archive));

        assertEquals(0, r.exit(), r.toString());
        List<String> lines = r.err().lines().filter(l -> l.contains("Uploading layer")).toList();
        assertEquals(3, lines.size(), r.err());
        assertTrue(lines.get(0).contains(": 25% of 21.0 MB at "), lines.get(0));
        assertTrue(lines.get(2).matches(".*: 75% of 21\\.0 MB at [0-9.]+ MB/s"), lines.get(2));
        assertEquals(2, r.err().lines().filter(l -> l.contains("Uploaded layer")).count(), r.err());
    }

    @Test
    void aDockerSourceIsSavedThroughTheDockerCommandOfTheStepsPath() throws Exception {
        Path saved = Images.dockerArchive(tmp.resolve("saved.tar"), "myapp:3.1", false, BASE, APP);
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path docker = bin.resolve("docker");
        // A stand-in for the docker CLI: checks it is asked to save the image to a file, then writes the archive.
        Files.writeString(docker, "#!/bin/sh\n[ \"$1 $2 $4\" = \"save -o myapp:3.1\" ] || { echo \"unexpected: $*\"; "
                + "exit 1; }\ncp '" + saved + "' \"$3\"\n");
        docker.toFile().setExecutable(true);

        Cli.Run r = cli.env("PATH", bin + ":/usr/bin:/bin").run(push("docker:myapp:3.1", "--create-repository"));

        assertEquals(0, r.exit(), r.toString());
        assertEquals("[\"3.1\"]", json(r).path("tags").toString());
        assertEquals(json(r).path("digest").asText(), registry.manifest(repo, "3.1").digestHeader());
    }
}
