package dev.awsdeploy.cloudwatch;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.AwsFront;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.Repo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Given AWS that throttles or fails, the step retries with backoff a bounded number of times and says so. */
class AlarmFaultsTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();

    @RegisterExtension
    AwsFront front = new AwsFront(moto);

    private static final String FILE = Repo.path("resources/alarms/high-error-rate.json");

    @Test
    void twoThrottledPutsAreRetriedAndThePutSucceeds() throws Exception {
        front.throttle("PutMetricAlarm", 2, true);
        Cli cli = new Cli(front.url()).env("AWS_REGION", "ap-northeast-2").env("AWS_MAX_ATTEMPTS", null);

        Cli.Run r = cli.run("cloudwatch-alarm", "put", "--file", FILE, "--output", "json");

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = Json.MAPPER.readTree(r.out());
        assertEquals("created", result.path("status").asText());
        assertEquals(1, result.path("apiCalls").path("CloudWatch.PutMetricAlarm").asInt(), "one logical call");
        front.wiremock().verify(3, postRequestedFor(anyUrl()).withRequestBody(containing("Action=PutMetricAlarm")));
        assertNotNull(AlarmPutTest.alarm(moto.url(), "HighErrorRate"));
    }

    @Test
    void aServerThatAlwaysAnswers500IsAClearFailureAfterBoundedRetries() {
        front.serverError("PutMetricAlarm");
        Cli cli = new Cli(front.url()).env("AWS_REGION", "ap-northeast-2").env("AWS_MAX_ATTEMPTS", "4");

        Cli.Run r = cli.run("cloudwatch-alarm", "put", "--file", FILE);

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("CloudWatch"), r.err());
        assertTrue(r.err().contains("500"), r.err());
        assertTrue(r.err().contains("CloudWatch PutMetricAlarm at 127.0.0.1 failed after 4 attempts over "), r.err());
        assertTrue(r.err().contains("; nothing was changed"), r.err());
        front.wiremock().verify(4, postRequestedFor(anyUrl()).withRequestBody(containing("Action=PutMetricAlarm")));
        assertNull(AlarmPutTest.alarm(moto.url(), "HighErrorRate"));
    }

    @Test
    void aConnectionResetDuringAWaitIsRetriedAndTheGateStillPasses() {
        assertEquals(0, new Cli(moto.url()).env("AWS_REGION", "ap-northeast-2")
                .run("cloudwatch-alarm", "put", "--file", FILE).exit());
        front.wiremock().stubFor(AwsFront.operation("DescribeAlarms").inScenario("reset")
                .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willSetStateTo("recovered").atPriority(1)
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                        .withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)));
        Cli cli = new Cli(front.url()).env("AWS_REGION", "ap-northeast-2")
                .clock(new dev.awsdeploy.testing.FakeClock());

        Cli.Run r = cli.run("cloudwatch-alarm", "wait", "--alarms", "HighErrorRate", "--duration", "1m");

        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("SUCCEEDED: no alarm fired: HighErrorRate="), r.out());
    }

    @Test
    void slowAnswersDelayTheGateButDoNotBreakIt() {
        assertEquals(0, new Cli(moto.url()).env("AWS_REGION", "ap-northeast-2")
                .run("cloudwatch-alarm", "put", "--file", FILE).exit());
        front.slow("DescribeAlarms", 1200);
        long start = System.nanoTime();

        Cli.Run r = new Cli(front.url()).env("AWS_REGION", "ap-northeast-2")
                .clock(new dev.awsdeploy.testing.FakeClock())
                .run("cloudwatch-alarm", "wait", "--alarms", "HighErrorRate", "--duration", "20s");

        assertEquals(0, r.exit(), r.toString());
        assertTrue((System.nanoTime() - start) / 1_000_000 >= 1200, "the answers really were slow");
    }
}
