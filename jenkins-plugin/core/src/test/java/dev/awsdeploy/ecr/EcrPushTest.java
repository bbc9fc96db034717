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
}
