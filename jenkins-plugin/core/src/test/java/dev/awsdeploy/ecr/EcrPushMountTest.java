package dev.awsdeploy.ecr;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.Images;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.RegistryServer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Given a repository that holds an image, when the same image is pushed to another repository with mountFrom, then
 * the registry mounts every blob (no layer byte travels, per the registry's access log) and the manifest digest is
 * the same; a registry that answers a mount with an upload session gets the bytes in it, and the push succeeds.
 */
class EcrPushMountTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    static RegistryServer registry = RegistryServer.shared();

    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final byte[] BASE = Images.layer(51, 250_000);
    private static final byte[] APP = Images.layer(52, 120_000);

    @TempDir
    Path tmp;

    private final Cli cli = new Cli(moto.url());
    private final String suffix = NAMES.incrementAndGet() + "-" + ProcessHandle.current().pid();

    private Cli.Run push(String registryUrl, Path archive, String repo, String... more) {
        List<String> args = Cli.args("ecr-push", "--source", "docker-archive:" + archive, "--repository", repo,
                "--registry-url", registryUrl, "--output", "json", "--create-repository");
        args.addAll(List.of(more));
        return cli.run(args);
    }

    @Test
    void theSameImageInASecondRepositoryIsMountedSendingNoLayerBytes() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "app:1", false, BASE, APP);
        String base = "team/base-" + suffix;
        String app = "team/app-" + suffix;
        Cli.Run first = push(registry.url(), archive, base);
        assertEquals(0, first.exit(), first.toString());
        registry.startCounting();

        Cli.Run second = push(registry.url(), archive, app, "--mount-from", "team/elsewhere-" + suffix + "," + base);

        assertEquals(0, second.exit(), second.toString());
        JsonNode result = Json.MAPPER.readTree(second.out());
        assertEquals(Json.MAPPER.readTree(first.out()).path("digest").asText(), result.path("digest").asText());
        assertEquals(2, result.path("layersMounted").asInt());
        assertEquals(0, result.path("layersUploaded").asInt());
        assertEquals(0, result.path("bytesUploaded").asLong());
        List<RegistryServer.Request> uploads = registry.uploads();
        List<RegistryServer.Request> mounts = uploads.stream().filter(q -> q.method().equals("POST")).toList();
        assertEquals(3, mounts.size(), "two layers and the config: " + uploads);
        for (RegistryServer.Request m : mounts) {
            assertTrue(m.path().matches("/v2/" + app + "/blobs/uploads/\\?mount=sha256:[0-9a-f]{64}&from=" + base)
                    && m.status() == 201, m.toString());
        }
        assertEquals(List.of(), uploads.stream().filter(q -> q.method().equals("PATCH")
                || q.path().contains("/blobs/uploads/") && q.method().equals("PUT")).toList(), "no blob bytes sent");
        assertEquals(result.path("digest").asText(), registry.manifest(app, "1").digestHeader());
        for (JsonNode l : Json.MAPPER.readTree(registry.manifest(app, "1").bytes()).path("layers")) {
            assertEquals(200, registry.blobStatus(app, l.path("digest").asText()));
        }
        assertTrue(second.err().contains(") mounted from " + base + ", nothing sent"), second.err());
    }

    @Test
    void aMountAnsweredWithAnUploadSessionIsUploadedInItNotAnError() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "app:1", false, BASE, APP);
        String holder = "team/holder-" + suffix;
        String source = "team/source-" + suffix;
        String target = "team/target-" + suffix;
        assertEquals(0, push(registry.url(), archive, holder).exit());
        // In front of the registry: the mount source seems to hold the layers (its HEADs answer from another
        // repository that does), so a mount is asked for; the registry itself, where the source holds nothing,
        // answers the mount with an upload session, as ECR does with mounting off.
        WireMockServer front = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        front.start();
        try {
            front.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().proxiedFrom(registry.url())));
            front.stubFor(any(urlPathMatching("/v2/" + source + "/blobs/.*")).atPriority(1).willReturn(aResponse()
                    .proxiedFrom(registry.url() + "/v2/" + holder).withProxyUrlPrefixToRemove("/v2/" + source)));
            registry.startCounting();

            Cli.Run r = push("http://127.0.0.1:" + front.port(), archive, target, "--mount-from", source);

            assertEquals(0, r.exit(), r.toString());
            JsonNode result = Json.MAPPER.readTree(r.out());
            assertEquals(2, result.path("layersUploaded").asInt());
            assertEquals(0, result.path("layersMounted").asInt());
            List<RegistryServer.Request> mounts = registry.uploads().stream()
                    .filter(q -> q.method().equals("POST")).toList();
            assertEquals(3, mounts.size(), mounts.toString());
            mounts.forEach(m -> assertEquals(202, m.status(), m.toString()));
            assertTrue(r.err().contains("with an upload session (mounting off, or another encryption): uploaded "
                    + "instead"), r.err());
            for (JsonNode l : Json.MAPPER.readTree(registry.manifest(target, "1").bytes()).path("layers")) {
                assertEquals(200, registry.blobStatus(target, l.path("digest").asText()));
            }
            assertEquals(result.path("digest").asText(), registry.manifest(target, "1").digestHeader());
        } finally {
            front.stop();
        }
    }
}
