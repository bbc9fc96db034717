package dev.awsdeploy.ecr;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Given an OCI layout holding an image index of two platforms (what docker buildx writes), when it is pushed, then
 * every platform's image and the index are in the registry under the tag, skopeo pulls each platform back with the
 * same layers, and imageUri is the index's digest; with platform only that platform's image is pushed.
 */
class EcrPushMultiPlatformTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    static RegistryServer registry = RegistryServer.shared();

    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final byte[] BASE = Images.layer(41, 150_000);
    private static final byte[] AMD64_APP = Images.layer(42, 90_000);
    private static final byte[] ARM64_APP = Images.layer(43, 80_000);

    @TempDir
    Path tmp;

    private final Cli cli = new Cli(moto.url());
    private final String repo = "team/multi-" + NAMES.incrementAndGet() + "-" + ProcessHandle.current().pid();

    private List<String> push(String source, String... more) {
        List<String> args = new ArrayList<>(List.of("ecr-push", "--source", source, "--repository", repo,
                "--registry-url", registry.url(), "--output", "json"));
        args.addAll(List.of(more));
        return args;
    }

    private String twoPlatforms(Path dir) {
        Map<String, byte[][]> platforms = new LinkedHashMap<>();
        platforms.put("linux/amd64", new byte[][] {BASE, AMD64_APP});
        platforms.put("linux/arm64/v8", new byte[][] {BASE, ARM64_APP});
        return Images.ociIndex(dir, "3.0.0", platforms);
    }

    private static List<String> gzipDigests(byte[]... layers) {
        List<String> out = new ArrayList<>();
        for (byte[] l : layers) {
            out.add(Images.sha256(Images.gzip(l)));
        }
        return out;
    }

    /** skopeo copy of one platform of REPO:TAG into an OCI layout; the layer digests of what it pulled. */
    private List<String> pulledLayers(String tag, String arch) throws Exception {
        Path out = tmp.resolve("pulled-" + arch);
        Process p = new ProcessBuilder("skopeo", "copy", "--quiet", "--src-tls-verify=false", "--src-creds",
                "AWS:" + RegistryServer.MOTO_PASSWORD, "--override-os", "linux", "--override-arch", arch,
                "docker://127.0.0.1:" + registry.port() + "/" + repo + ":" + tag, "oci:" + out + ":pulled")
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "skopeo finished");
        assertEquals(0, p.exitValue(), said);
        String digest = Images.ociManifestDigest(out);
        JsonNode manifest = Json.MAPPER.readTree(Files.readAllBytes(out.resolve("blobs/sha256/" + digest.substring(7))));
        List<String> layers = new ArrayList<>();
        manifest.path("layers").forEach(l -> layers.add(l.path("digest").asText()));
        return layers;
    }

    @Test
    void everyPlatformAndTheIndexArePushedAndEachPlatformPullsBackWithItsLayers() throws Exception {
        Path layout = tmp.resolve("oci");
        String indexDigest = twoPlatforms(layout);

        Cli.Run r = cli.run(push("oci:" + layout, "--create-repository"));

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = Json.MAPPER.readTree(r.out());
        assertEquals("pushed", result.path("status").asText());
        assertEquals(indexDigest, result.path("digest").asText());
        assertEquals("123456789012.dkr.ecr.eu-west-1.amazonaws.com/" + repo + "@" + indexDigest,
                result.path("imageUri").asText());
        assertEquals("[\"linux/amd64\",\"linux/arm64/v8\"]", result.path("platforms").toString());
        assertEquals(3, result.path("layersUploaded").asInt(), "the shared base layer once, each app layer once");
        RegistryServer.Manifest m = registry.manifest(repo, "3.0.0");
        assertEquals(200, m.status(), m.text());
        assertEquals(indexDigest, m.digestHeader());
        assertEquals("application/vnd.oci.image.index.v1+json", m.mediaType());
        assertEquals(gzipDigests(BASE, AMD64_APP), pulledLayers("3.0.0", "amd64"));
        assertEquals(gzipDigests(BASE, ARM64_APP), pulledLayers("3.0.0", "arm64"));
        assertTrue(r.err().contains("Wrote the manifests of 2 platform images (linux/amd64, linux/arm64/v8)"),
                r.err());
    }

    @Test
    void theSameIndexAgainIsUnchangedAndAnImmutableTagOnAnotherIndexIsExit3() throws Exception {
        Path layout = tmp.resolve("oci");
        String indexDigest = twoPlatforms(layout);
        assertEquals(0, cli.run(push("oci:" + layout, "--create-repository", "--tag-mutability", "IMMUTABLE")).exit());
        registry.startCounting();

        Cli.Run again = cli.run(push("oci:" + layout));

        assertEquals(0, again.exit(), again.toString());
        assertEquals("unchanged", Json.MAPPER.readTree(again.out()).path("status").asText());
        assertEquals(List.of(), registry.uploads());

        Path other = tmp.resolve("other");
        Map<String, byte[][]> one = new LinkedHashMap<>();
        one.put("linux/amd64", new byte[][] {BASE});
        one.put("linux/arm64", new byte[][] {ARM64_APP});
        Images.ociIndex(other, "3.0.0", one);
        Cli.Run moved = cli.run(push("oci:" + other));

        assertEquals(3, moved.exit(), moved.toString());
        assertEquals("tag-conflict", Json.MAPPER.readTree(moved.out()).path("status").asText());
        assertEquals(List.of(), registry.uploads());
        assertEquals(indexDigest, registry.manifest(repo, "3.0.0").digestHeader());
    }

    @Test
    void platformPushesOnlyThatPlatformsImage() throws Exception {
        Path layout = tmp.resolve("oci");
        twoPlatforms(layout);

        Cli.Run r = cli.run(push("oci:" + layout, "--create-repository", "--platform", "linux/arm64"));

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = Json.MAPPER.readTree(r.out());
        RegistryServer.Manifest m = registry.manifest(repo, "3.0.0");
        assertEquals("application/vnd.oci.image.manifest.v1+json", m.mediaType());
        assertEquals(result.path("digest").asText(), m.digestHeader());
        List<String> layers = new ArrayList<>();
        Json.MAPPER.readTree(m.bytes()).path("layers").forEach(l -> layers.add(l.path("digest").asText()));
        assertEquals(gzipDigests(BASE, ARM64_APP), layers);
        assertEquals(404, registry.blobStatus(repo, Images.sha256(Images.gzip(AMD64_APP))), "amd64 was not sent");
        assertEquals(2, result.path("layersUploaded").asInt());
    }

    @Test
    void aPlatformTheSourceLacksIsBadInputListingWhatItHolds() throws Exception {
        Path layout = tmp.resolve("oci");
        twoPlatforms(layout);
        Path single = Images.dockerArchive(tmp.resolve("single.tar"), "app:1", false, BASE);

        Cli.Run r = cli.run(push("oci:" + layout, "--create-repository", "--platform", "linux/s390x"));
        Cli.Run s = cli.run(push("docker-archive:" + single, "--create-repository", "--platform", "linux/arm64"));

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("platform 'linux/s390x': cannot be pushed: the source has no image for "
                + "linux/s390x (it holds linux/amd64, linux/arm64/v8)"), r.err());
        assertEquals(2, s.exit(), s.toString());
        assertTrue(s.err().contains("is a single-platform image for linux/amd64, not linux/arm64"), s.err());
        assertEquals(List.of(), moto.mutatingRequests());
    }
}
