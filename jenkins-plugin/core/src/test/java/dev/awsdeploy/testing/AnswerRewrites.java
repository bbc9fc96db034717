package dev.awsdeploy.testing;

import com.github.tomakehurst.wiremock.extension.ResponseTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.HttpHeaders;
import com.github.tomakehurst.wiremock.http.Response;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** WireMock response transformers for answers that came from moto (registered by {@link AwsFront}). */
public final class AnswerRewrites {
    private AnswerRewrites() {
    }

    /**
     * "lost-answer": the request went on to AWS (the stub proxies it to moto, which applies it), and then the answer
     * is lost on the way back — parameter {@code loss} ({@link AwsFront.Loss}, HTTP_500 unless given): an HTTP 500,
     * a connection closed without an answer, or a connection reset. Used through {@link AwsFront#loseAnswers}.
     */
    public static final class LostAnswer implements ResponseTransformerV2 {
        public static final String NAME = "lost-answer";

        @Override
        public Response transform(Response response, ServeEvent event) {
            AwsFront.Loss loss = AwsFront.Loss.valueOf(String.valueOf(event.getTransformerParameters()
                    .getOrDefault("loss", AwsFront.Loss.HTTP_500.name())));
            Response.Builder b = Response.Builder.like(response).but();
            return switch (loss) {
                case DROPPED -> b.fault(Fault.EMPTY_RESPONSE).build();
                case RESET -> b.fault(Fault.CONNECTION_RESET_BY_PEER).build();
                case HTTP_500 -> b.status(500).headers(new HttpHeaders(new HttpHeader("Content-Type", "text/plain")))
                        .body("internal error after the change was made").build();
            };
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return NAME;
        }
    }

    /**
     * "epoch-timestamps": moto's JSON answers carry ISO-8601 timestamps; AWS's JSON 1.1 services send epoch seconds,
     * which is all the SDK reads. Rewrites each one, so a proxied answer parses as AWS's would.
     */
    public static final class EpochTimestamps implements ResponseTransformerV2 {
        public static final String NAME = "epoch-timestamps";
        private static final Pattern ISO = Pattern.compile(
                "\"(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?(?:Z|[+-]\\d\\d:\\d\\d)?)\"");

        @Override
        public Response transform(Response response, ServeEvent event) {
            return Response.Builder.like(response).but().body(epochSeconds(response.getBodyAsString())).build();
        }

        public static String epochSeconds(String body) {
            Matcher m = ISO.matcher(body);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String iso = m.group(1);
                Instant t = iso.endsWith("Z") || iso.matches(".*[+-]\\d\\d:\\d\\d")
                        ? OffsetDateTime.parse(iso).toInstant()
                        : LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC);
                m.appendReplacement(out, String.format(Locale.ROOT, "%.3f", t.toEpochMilli() / 1000.0));
            }
            m.appendTail(out);
            return out.toString();
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return NAME;
        }
    }
}
