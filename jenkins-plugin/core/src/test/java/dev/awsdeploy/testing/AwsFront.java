package dev.awsdeploy.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * WireMock in front of moto: every request goes on to moto unless a test stubs its operation — throttling,
 * HTTP 500, connection resets, slow answers, or stateful scenarios for what moto does not do. Stubs speak each
 * service's wire format (JSON 1.1 with X-Amz-Target, or the Query protocol's Action=...).
 *
 * <p>Use as {@code @RegisterExtension AwsFront front = new AwsFront(moto);} and point AWS_ENDPOINT_URL at
 * {@link #url()}.
 */
public final class AwsFront implements BeforeEachCallback, AfterEachCallback {
    private static final int PROXY_PRIORITY = 100;
    private final MotoServer moto;
    private WireMockServer server;

    public AwsFront(MotoServer moto) {
        this.moto = moto;
    }

    /** How an applied change loses its answer: AWS did it, the caller hears a 500, nothing, or a reset. */
    public enum Loss { HTTP_500, DROPPED, RESET }

    /**
     * Calls {@code first} to {@code last} of {@code op} (1-based, counting HTTP attempts) go on to {@code upstream}
     * and are applied there; their answers are then lost ({@code loss}). Calls before and after reach upstream
     * normally. The server must have been built with {@link AnswerRewrites.LostAnswer}.
     */
    public static void loseAnswers(WireMockServer server, String upstream, String op, int first, int last,
                                   Loss loss) {
        String scenario = "lose-" + op;
        for (int i = 1; i <= last; i++) {
            String state = i == 1 ? Scenario.STARTED : op + "-" + i;
            ResponseDefinitionBuilder answer = aResponse().proxiedFrom(upstream);
            if (i >= first) {
                answer = answer.withTransformers(AnswerRewrites.LostAnswer.NAME)
                        .withTransformerParameter("loss", loss.name());
            }
            server.stubFor(operation(op).inScenario(scenario).whenScenarioStateIs(state)
                    .willSetStateTo(op + "-" + (i + 1)).atPriority(1).willReturn(answer));
        }
    }

    /** The {@code occurrence}th call of {@code op} is applied and its answer lost ({@link #loseAnswers}). */
    public static void loseAnswer(WireMockServer server, String upstream, String op, int occurrence, Loss loss) {
        loseAnswers(server, upstream, op, occurrence, occurrence, loss);
    }

    /** The first {@code times} calls of {@code op} reach moto, which applies them, and their answers are lost. */
    public void loseAnswers(String op, int times, Loss loss) {
        loseAnswers(server, moto.url(), op, 1, times, loss);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort()
                .containerThreads(20).extensions(new AnswerRewrites.LostAnswer(),
                        new AnswerRewrites.EpochTimestamps()));
        server.start();
        server.stubFor(any(anyUrl()).atPriority(PROXY_PRIORITY).willReturn(aResponse().proxiedFrom(moto.url())));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (server != null) {
            server.stop();
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.port();
    }

    public WireMockServer wiremock() {
        return server;
    }

    /** Matches one operation, whichever protocol its service speaks. */
    public static MappingBuilder operation(String op) {
        return any(anyUrl()).andMatching(request -> {
            String target = request.getHeader("X-Amz-Target");
            if (target != null && !target.isEmpty()) {
                return com.github.tomakehurst.wiremock.matching.MatchResult.of(target.endsWith("." + op));
            }
            String body = request.getBodyAsString();
            return com.github.tomakehurst.wiremock.matching.MatchResult.of(
                    body != null && (body.startsWith("Action=" + op + "&") || body.contains("&Action=" + op + "&")
                            || body.equals("Action=" + op)));
        });
    }

    /** The first {@code times} calls of {@code op} are throttled, then it reaches moto again. */
    public void throttle(String op, int times, boolean queryProtocol) {
        String scenario = "throttle-" + op;
        for (int i = 0; i < times; i++) {
            String state = i == 0 ? Scenario.STARTED : "throttled-" + i;
            server.stubFor(operation(op).inScenario(scenario).whenScenarioStateIs(state)
                    .willSetStateTo("throttled-" + (i + 1)).atPriority(1)
                    .willReturn(queryProtocol ? queryError(400, "Throttling", "Rate exceeded")
                            : jsonError(400, "ThrottlingException", "Rate exceeded")));
        }
    }

    /** {@code op} always answers HTTP 500. */
    public void serverError(String op) {
        server.stubFor(operation(op).atPriority(1).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "text/plain").withBody("internal error")));
    }

    /** {@code op} always has its connection reset. */
    public void connectionReset(String op) {
        server.stubFor(operation(op).atPriority(1).willReturn(aResponse()
                .withFault(Fault.CONNECTION_RESET_BY_PEER)));
    }

    /** {@code op} answers from moto, but only after {@code millis}. */
    public void slow(String op, int millis) {
        server.stubFor(operation(op).atPriority(1).willReturn(aResponse().proxiedFrom(moto.url())
                .withFixedDelay(millis)));
    }

    public static ResponseDefinitionBuilder jsonError(int status, String code, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/x-amz-json-1.1")
                .withHeader("x-amzn-ErrorType", code)
                .withBody("{\"__type\":\"" + code + "\",\"message\":\"" + message + "\"}");
    }

    public static ResponseDefinitionBuilder queryError(int status, String code, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "text/xml")
                .withBody("<ErrorResponse><Error><Type>Sender</Type><Code>" + code + "</Code><Message>" + message
                        + "</Message></Error><RequestId>test</RequestId></ErrorResponse>");
    }

    public static ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/x-amz-json-1.1").withBody(body);
    }

    /** Requests whose X-Amz-Target or body names {@code op}. */
    public static MappingBuilder bodyContaining(String text) {
        return any(anyUrl()).withRequestBody(containing(text));
    }

    public static MappingBuilder target(String regex) {
        return any(anyUrl()).withHeader("X-Amz-Target", matching(regex));
    }
}
