package dev.awsdeploy.ecs;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.sun.net.httpserver.HttpServer;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.testing.AwsFront;
import dev.awsdeploy.testing.Cli;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Given AWS misbehaving (throttling, 5xx, resets, a change that does not take) or an app that is unhealthy. */
class BlueGreenFaultTest extends BlueGreenTestBase {
    private HttpServer health;
    private final AtomicInteger greenStatus = new AtomicInteger(200);

    @AfterEach
    void stopHealth() {
        if (health != null) {
            health.stop(0);
        }
    }

    private String healthUrls() throws IOException {
        health = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        health.createContext("/blue/health", ex -> answer(ex, 200));
        health.createContext("/green/health", ex -> answer(ex, greenStatus.get()));
        health.createContext("/private/health", ex -> answer(ex, ("Basic " + java.util.Base64.getEncoder()
                .encodeToString("ops:s3cr3t-Passw0rd".getBytes())).equals(ex.getRequestHeaders()
                .getFirst("Authorization")) ? 200 : 401));
        health.start();
        return "http://127.0.0.1:" + health.getAddress().getPort() + "/{color}/health";
    }

    private static void answer(com.sun.net.httpserver.HttpExchange ex, int status) throws IOException {
        byte[] body = (status == 200 ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}").getBytes();
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    /** The {@code n}th call of {@code op} (1-based) answers {@code answer}; every other call reaches AWS. */
    private void nth(String op, int n, ResponseDefinitionBuilder answer) {
        String scenario = "nth-" + op;
        for (int i = 1; i <= n; i++) {
            String state = i == 1 ? Scenario.STARTED : op + "-" + i;
            faults.stubFor(AwsFront.operation(op).inScenario(scenario).whenScenarioStateIs(state)
                    .willSetStateTo(op + "-" + (i + 1)).atPriority(1)
                    .willReturn(i == n ? answer : aResponse().proxiedFrom(rollouts.url())));
        }
    }

    /** Calls {@code from} to {@code from + times - 1} of {@code op} are throttled (the SDK retries 3 times). */
    private void throttle(String op, int from, int times, boolean query) {
        failCalls(op, from, times, query ? AwsFront.queryError(400, "Throttling", "Rate exceeded")
                : AwsFront.jsonError(400, "ThrottlingException", "Rate exceeded"));
    }

    /** Calls {@code from} to {@code from + times - 1} of {@code op} (1-based HTTP attempts) answer {@code answer}. */
    private void failCalls(String op, int from, int times, ResponseDefinitionBuilder answer) {
        String scenario = "fail-" + op;
        for (int i = 1; i < from + times; i++) {
            String state = i == 1 ? Scenario.STARTED : "t" + i;
            faults.stubFor(AwsFront.operation(op).inScenario(scenario).whenScenarioStateIs(state)
                    .willSetStateTo("t" + (i + 1)).atPriority(1)
                    .willReturn(i < from ? aResponse().proxiedFrom(rollouts.url()) : answer));
        }
    }

    @Test
    void throttlingWhileWaitingIsRetriedAndTheDeploySucceeds(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // The third and fourth looks at the standby and one look at the alarms fail even after the SDK's retries.
        throttle("DescribeServices", 3, 6, false);
        throttle("DescribeAlarms", 3, 3, true);
        java.nio.file.Path record = dir.resolve("record.json");

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--alarms", "HighErrorRate", "--bake-time", "1m",
                "--record", record.toString());

        assertEquals(0, r.exit(), r.toString());
        assertEquals(new Weights(0, 100), world.weights());
        assertTrue(r.err().contains("AWS call failed during STANDBY (2 in a row)"), r.err());
        assertTrue(r.err().contains("AWS call failed during BAKE (1 in a row)"), r.err());
        // The result counts the HTTP attempts behind the calls: what the throttling cost.
        var calls = json(r).path("apiCalls");
        var attempts = json(r).path("apiAttempts");
        System.out.println("throttled run: calls " + calls + " attempts " + attempts);
        // 6 throttled DescribeServices attempts = 2 calls of 3 attempts; 3 throttled DescribeAlarms = 1 call.
        assertEquals(calls.path("Ecs.DescribeServices").asInt() + 4, attempts.path("Ecs.DescribeServices").asInt(),
                "2 retries in each of 2 throttled DescribeServices calls");
        assertEquals(calls.path("CloudWatch.DescribeAlarms").asInt() + 2,
                attempts.path("CloudWatch.DescribeAlarms").asInt(), "2 retries in the throttled DescribeAlarms");
        assertTrue(r.err().contains("Ecs DescribeServices at 127.0.0.1 failed after 3 attempts over "), r.err());
        // The record keeps them beside the calls, at its top level too.
        var kept = dev.awsdeploy.run.Json.MAPPER.readTree(java.nio.file.Files.readString(record));
        assertEquals(attempts, kept.path("apiAttempts"));
        assertEquals(calls, kept.path("apiCalls"));
    }

    @Test
    void startUpReadsFollowTheSamePolicy() {
        // The first two GetCallerIdentity and DescribeServices calls are throttled on all their SDK attempts.
        failCalls("GetCallerIdentity", 1, 6, AwsFront.queryError(400, "Throttling", "Rate exceeded"));
        throttle("DescribeServices", 1, 6, false);

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--bake-time", "0s");

        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.err().contains("AWS call failed at start-up: Sts GetCallerIdentity at 127.0.0.1 failed after 3 "
                + "attempts"), r.err());
        assertTrue(r.err().contains("AWS call failed at start-up: Ecs DescribeServices"), r.err());
        assertEquals(new Weights(0, 100), world.weights());
    }

    @Test
    void whenTrafficCannotBePutBackTheRunSaysWhatIsLiveAndWhatToRun() {
        // ModifyRule 1 (100 % green, AllAtOnce) works; every later one (the rollback) answers 500.
        failCalls("ModifyRule", 2, 100, AwsFront.queryError(500, "InternalFailure", "try later"));
        clock.at(Duration.ofMinutes(1), () -> moto.setAlarmState(BlueGreenWorld.REGION, "HighErrorRate", "ALARM"));

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--alarms", "HighErrorRate", "--bake-time", "5m");

        assertEquals(1, r.exit(), r.toString());
        var j = json(r);
        assertEquals("traffic-not-restored", j.path("status").asText(), j.toString());
        assertEquals("blue 0 %, green 100 %", j.path("traffic").asText(), j.toString());
        String reason = j.path("reason").asText();
        assertTrue(reason.contains("traffic could not be put back on blue"), reason);
        assertTrue(reason.contains("Live now: blue 0 %, green 100 %"), reason);
        assertTrue(reason.contains("Put it back with: aws elbv2 modify-rule --rule-arn " + world.rule), reason);
        assertTrue(!r.all().contains("traffic was not moved"), r.toString());
        assertEquals(new Weights(0, 100), world.weights());
    }

    @Test
    void anEndpointThatRefusesConnectionsAtStartUpIsNamedWithTheCallAndNothingChanged() throws IOException {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        cli.env("AWS_ENDPOINT_URL_ECS", "http://127.0.0.1:" + closed);

        Cli.Run r = deploy("--image", BlueGreenWorld.V2);

        assertEquals(1, r.exit(), r.toString());
        String message = json(r).path("message").asText();
        assertTrue(message.matches("Ecs DescribeServices at 127\\.0\\.0\\.1 failed after 3 attempts over [0-9.]+ s: "
                + ".*Connection refused.*; nothing was changed"), message);
        assertTrue(r.err().contains("AWS call failed at start-up: Ecs DescribeServices at 127.0.0.1"), r.err());
        assertEquals(List.of(), mutating());
    }

    @Test
    void aModifyRuleThatDoesNotTakeIsDetectedByTheReadBackAndTrafficGoesBack() {
        // The second ModifyRule (10 % -> 100 %) answers OK but changes nothing.
        nth("ModifyRule", 2, aResponse().withStatus(200).withHeader("Content-Type", "text/xml")
                .withBody("<ModifyRuleResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">"
                        + "<ModifyRuleResult><Rules/></ModifyRuleResult><ResponseMetadata><RequestId>x</RequestId>"
                        + "</ResponseMetadata></ModifyRuleResponse>"));

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes");

        assertEquals(3, r.exit(), r.toString());
        String reason = json(r).path("reason").asText();
        assertTrue(reason.contains("AWS shows blue 90 %, green 10 % after ModifyRule to blue 0 %, green 100 %"), reason);
        assertEquals(true, json(r).path("rolledBack").asBoolean());
        assertEquals(new Weights(100, 0), world.weights());
    }

    @Test
    void aModifyRuleFailingOnceMidShiftIsTriedAgainPerThePolicyAndTheDeploySucceeds() {
        // Second ModifyRule (10 % -> 100 %): HTTP 500 on all three SDK attempts; the engine tries again later.
        failCalls("ModifyRule", 2, 3, AwsFront.queryError(500, "InternalFailure", "try later"));

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes",
                "--bake-time", "0s");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(new Weights(0, 100), world.weights());
        assertTrue(r.err().contains("AWS call failed during SHIFT (1 in a row): ElasticLoadBalancingV2 ModifyRule at "
                + "127.0.0.1 failed after 3 attempts"),
                r.err());
        assertEquals(List.of("RegisterTaskDefinition", "UpdateService", "ModifyRule", "ModifyRule"), mutating());
    }

    @Test
    void aModifyRuleFailingBeyondThePolicyPutsTrafficBackOnBlue() {
        // Second ModifyRule: HTTP 500 for 5 tries of 3 SDK attempts each; the rollback's ModifyRule works again.
        failCalls("ModifyRule", 2, 15, AwsFront.queryError(500, "InternalFailure", "try later"));

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes");

        assertEquals(3, r.exit(), r.toString());
        String reason = json(r).path("reason").asText();
        assertTrue(reason.contains("AWS kept failing during SHIFT (5 times in a row)"), reason);
        assertEquals(true, json(r).path("rolledBack").asBoolean());
        assertEquals(new Weights(100, 0), world.weights());
        assertTrue(r.err().contains("Rolled back: blue 100 % (read back)"), r.err());
    }

    @Test
    void connectionResetsAreRetried() {
        nth("DescribeTargetHealth", 1, aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
        nth("DescribeRules", 2, aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--bake-time", "0s");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(new Weights(0, 100), world.weights());
    }

    @Test
    void aStandbyWhoseHealthUrlNeverAnswers2xxGetsNoTraffic() throws IOException {
        greenStatus.set(503);

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--health-check-url", healthUrls(),
                "--health-check-retries", "3", "--health-check-interval", "10s");

        assertEquals(3, r.exit(), r.toString());
        String reason = json(r).path("reason").asText();
        assertTrue(reason.contains("/green/health answered HTTP 503 after 3 tries"), reason);
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(0, moto.count("ModifyRule"));
    }

    @Test
    void aHealthUrlThatAnswersLetsTrafficMove() throws IOException {
        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--health-check-url", healthUrls(), "--bake-time", "1m");

        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.err().contains("Health URL ok: http://127.0.0.1:"), r.err());
        assertEquals(new Weights(0, 100), world.weights());
    }

    @Test
    void aHealthUrlFailingDuringTheBakeRollsBack() throws IOException {
        clock.at(Duration.ofMinutes(2), () -> greenStatus.set(500));

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--health-check-url", healthUrls(), "--bake-time", "5m");

        assertEquals(3, r.exit(), r.toString());
        assertTrue(json(r).path("reason").asText().contains("answered HTTP 500 2 times in a row"), r.toString());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(List.of("RegisterTaskDefinition", "UpdateService", "ModifyRule", "ModifyRule"), mutating());
    }

    @Test
    void aPasswordInTheHealthUrlIsUsedButNeverShown(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        String base = healthUrls().replace("/{color}/health", "");
        String url = base.replace("http://", "http://ops:s3cr3t-Passw0rd@") + "/private/health";
        java.nio.file.Path record = dir.resolve("record.json");

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--health-check-url", url, "--bake-time", "0s",
                "--record", record.toString());

        assertEquals(0, r.exit(), r.toString());
        String everything = r.all() + java.nio.file.Files.readString(record);
        assertTrue(everything.contains("Health URL ok: http://ops:"), everything);
        assertTrue(!everything.contains("s3cr3t-Passw0rd"), everything);
    }
}
