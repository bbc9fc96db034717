package dev.awsdeploy.ecr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.report.Page;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.Images;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.RegistryServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Given an image whose base layer is already in the repository, the push report shows one bar per layer:
 * the new one uploaded with its size, time and rate, the base one skipped, and the totals.
 */
class EcrPushReportTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    static RegistryServer registry = RegistryServer.shared();

    @TempDir
    Path tmp;

    private final Cli cli = new Cli(moto.url());
    private final String repo = "team/report-" + ProcessHandle.current().pid();

    @Test
    void aPushDrawsEachLayerUploadedOrSkippedWithBytesAndRate() throws Exception {
        byte[] base = Images.layer(11, 300_000);
        byte[] app = Images.layer(12, 200_000);
        Path first = Images.dockerArchive(tmp.resolve("base.tar"), "myapp:1.0.0", false, base);
        Path second = Images.dockerArchive(tmp.resolve("app.tar"), "myapp:1.1.0", false, base, app);
        Cli.Run setUp = cli.run("ecr-push", "--source", "docker-archive:" + first, "--repository", repo,
                "--registry-url", registry.url(), "--create-repository");
        assertEquals(0, setUp.exit(), setUp.toString());
        Path record = tmp.resolve("push/record.json");

        Cli.Run r = cli.run("ecr-push", "--source", "docker-archive:" + second, "--repository", repo,
                "--registry-url", registry.url(), "--output", "json", "--record", record.toString(),
                "--report", tmp.resolve("push/report.html").toString());

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = Json.MAPPER.readTree(r.out());
        assertEquals(1, result.path("layersUploaded").asInt());
        assertEquals(1, result.path("layersSkipped").asInt());
        String digest = result.path("digest").asText();
        assertEquals(200, registry.manifest(repo, "1.1.0").status(), "the registry serves the pushed tag");
        Page page = Page.of(Files.readString(tmp.resolve("push/report.html")));
        page.assertHasText("//h1/span", "SUCCEEDED");
        String chart = "//svg[@id='layers-chart']";
        List<String> uploaded = page.texts(chart + "/g[@class='layer uploaded']/text");
        List<String> skipped = page.texts(chart + "/g[@class='layer skipped']/text");
        assertEquals(2, uploaded.size(), uploaded.toString());
        assertEquals(2, skipped.size(), skipped.toString());
        assertTrue(uploaded.get(1).matches("\\d+(\\.\\d)? KB uploaded in \\d+(\\.\\d)? (ms|s).*"), uploaded.toString());
        assertTrue(skipped.get(1).endsWith("skipped: already in the registry"), skipped.toString());
        assertTrue(uploaded.get(0).startsWith("sha256:"), uploaded.toString());
        assertEquals("url(#skipped-hatch)", page.all(chart + "/g[@class='layer skipped']/rect").get(0)
                .getAttribute("fill"), "skipped layers are hatched, not only another colour");
        page.assertHasText("//p[@class='totals']", "1 layer uploaded");
        page.assertHasText("//p[@class='totals']", "1 skipped as already in the registry");
        page.assertHasText("//table[@class='live']//td", digest);
        assertTrue(page.all("//table[@class='live']//tr[@class='changed']").isEmpty(),
                "a value only one side recorded is not called changed: " + page.text("//table[@class='live']"));
    }
}
