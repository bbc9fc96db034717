package dev.awsdeploy.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.report.Page;
import dev.awsdeploy.report.ReportPage;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.Cli;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Given a blue/green run with --record and --report, the page beside the record draws what AWS went through:
 * the traffic per colour, the phases, the alarm's states, the health checks and the rollback with its reason.
 */
class EcsReportTest extends BlueGreenTestBase {
    private static final String SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLEsessionTOKENnotReal0123456789";
    @TempDir
    Path dir;
    private HttpServer health;

    @BeforeEach
    void healthUrl() throws Exception {
        health = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        health.createContext("/", x -> {
            byte[] body = "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        health.start();
    }

    @AfterEach
    void stopHealth() {
        health.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + health.getAddress().getPort() + "/health";
    }

    @Test
    void aCanaryRolledBackByAnAlarmDrawsTrafficPhasesAlarmStripAndTheRollback() throws Exception {
        clock.at(Duration.ofMinutes(7), () -> moto.setAlarmState(BlueGreenWorld.REGION, "HighErrorRate", "ALARM"));
        Path record = dir.resolve("out/record.json");
        Path report = dir.resolve("out/report.html");

        Cli.Run r = cli.env("AWS_SESSION_TOKEN", SESSION_TOKEN).env("BUILD_URL", "https://ci.example.com/job/myapp/42/")
                .run(List.of("ecs-blue-green", "--cluster", "prod", "--service", "myapp", "--listener-rule-arn",
                        world.rule, "--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes",
                        "--bake-time", "5m", "--alarms", "HighErrorRate", "--health-check-url", url(),
                        "--record", record.toString(), "--report", report.toString()));

        assertEquals(3, r.exit(), r.toString());
        assertEquals(new Weights(100, 0), world.weights(), "AWS: all traffic back on blue");
        assertTrue(r.err().contains("Report: " + report.toAbsolutePath()), r.err());
        assertTrue(Files.exists(dir.resolve("out/" + ReportPage.STYLESHEET)), "the stylesheet is written beside it");
        Page page = Page.of(Files.readString(report));

        page.assertHasText("//h1", "ecsBlueGreen");
        page.assertHasText("//h1/span", "FAILED — ROLLED BACK");
        page.assertHasText("//p[@class='summary']", "Rolled back to blue (100 %): HighErrorRate is ALARM");
        String chart = "//svg[@id='traffic-chart']";
        assertEquals(1, page.all(chart).size(), page.html);
        // Phases as bands, each with its name and times (the title shows when the band is too narrow for text).
        List<String> bands = page.texts(chart + "/g[@class='phases']/g[@class='band']/rect/title");
        for (String phase : List.of("register", "update standby", "wait healthy", "health URL", "hold 10 %", "bake")) {
            assertTrue(bands.stream().anyMatch(b -> b.startsWith(phase + ":")), phase + " in " + bands);
        }
        page.assertHasText(chart + "/g[@class='phases']//text", "hold 10 %");
        page.assertHasText(chart + "/g[@class='phases']//text", "bake");
        // Traffic per colour over time: a line each, labelled at every change.
        assertEquals(List.of("blue", "green"), page.texts(chart + "/g[@class='traffic']/g[@class='series']/path/title"));
        List<String> traffic = page.texts(chart + "/g[@class='traffic']//text");
        for (String t : List.of("green 10 %", "blue 90 %", "green 100 %", "blue 0 %", "blue 100 %", "green 0 %")) {
            assertTrue(traffic.contains(t), t + " in " + traffic);
        }
        // The alarm's states as a strip: OK until the alarm fired, then ALARM.
        assertEquals(List.of("OK", "ALARM"), page.texts(chart + "/g[@class='alarm']/g[@class='band']/text"));
        page.assertHasText(chart + "/g[@class='alarm']/text", "HighErrorRate");
        // Health: the standby's tasks and targets, and the health URL, as pass/fail marks.
        page.assertHasText(chart + "/g[@class='target-health']/g[@class='mark pass']/title", "targets healthy 2/2");
        page.assertHasText(chart + "/g[@class='health-url']/g[@class='mark pass']/title", "Health URL ok");
        // The rollback: a marker across the chart, the moment and the reason under it.
        JsonNode rec = Json.MAPPER.readTree(Files.readString(record));
        assertTrue(rec.path("events").findValues("phase").stream().map(JsonNode::asText).toList()
                .contains("ROLLED_BACK"), "the record holds the phase changes");
        page.assertHasText(chart + "/g[@class='marker']/text", "rollback at 12:07:");
        page.assertHasText("//figcaption", "Rolled back at 12:07:");
        page.assertHasText("//figcaption", "(+7m");
        page.assertHasText("//figcaption", "HighErrorRate is ALARM");
        // What was live before and after, who ran it, the API calls.
        page.assertHasText("//table[@class='live']//td", "blue (100 % of traffic)");
        page.assertHasText("//table[@class='live']//td", BlueGreenWorld.V1);
        page.assertHasText("//table[@class='facts']//a", "https://ci.example.com/job/myapp/42/");
        page.assertHasText("//table[@class='facts']//td", "arn:aws:sts::123456789012:");
        int modifyRule = rec.path("apiCalls").path("ElasticLoadBalancingV2.ModifyRule").asInt();
        assertEquals(3, modifyRule, rec.path("apiCalls").toString());
        assertEquals(rec.path("apiCalls").size(), page.all("//table[@class='api-calls']//tr").size() - 1);
        page.assertHasText("//table[@class='timeline']//td", "Rolled back: blue 100 % (read back)");
        // Secrets never: not the session token, not the secret key.
        assertFalse(page.html.contains(SESSION_TOKEN), "session token in the report");
        assertFalse(Files.readString(record).contains(SESSION_TOKEN), "session token in the record");
    }

    @Test
    void aSuccessfulAllAtOnceDeployShowsGreenLiveAfterAndNoRollback() throws Exception {
        Path record = dir.resolve("record.json");
        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--bake-time", "1m", "--alarms", "HighErrorRate",
                "--record", record.toString());
        assertEquals(0, r.exit(), r.toString());
        assertEquals(new Weights(0, 100), world.weights());

        // Drawn again later from the saved record, as `aws-deploy report RECORD.json` does.
        Cli.Run again = cli.run("report", record.toString());
        assertEquals(0, again.exit(), again.toString());
        Page page = Page.of(again.out());

        page.assertHasText("//h1/span", "SUCCEEDED");
        List<String> traffic = page.texts("//svg[@id='traffic-chart']/g[@class='traffic']//text");
        assertTrue(traffic.contains("green 100 %") && traffic.contains("blue 0 %"), traffic.toString());
        assertEquals(List.of("OK"), page.texts("//svg[@id='traffic-chart']/g[@class='alarm']/g[@class='band']/text"));
        assertTrue(page.all("//g[@class='marker']").isEmpty(), "no rollback marker on a success");
        assertTrue(page.all("//figcaption").isEmpty());
        page.assertHasText("//table[@class='live']//tr[@class='changed']/td", "green (100 % of traffic)  (changed)");
        page.assertHasText("//table[@class='live']//tr[@class='changed']/td", BlueGreenWorld.V2);
    }
}
