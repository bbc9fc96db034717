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
     * "lost-answer": moto applied the request (the stub proxies to it), and the answer is lost on the way back — an
     * HTTP 500, or with parameter {@code drop} a connection closed without an answer.
     */
    public static final class LostAnswer implements ResponseTransformerV2 {
        public static final String NAME = "lost-answer";

        @Override
        public Response transform(Response response, ServeEvent event) {
            if (event.getTransformerParameters().getBoolean("drop", false)) {
                return Response.Builder.like(response).but().fault(Fault.CONNECTION_RESET_BY_PEER).build();
            }
            return Response.Builder.like(response).but().status(500)
                    .headers(new HttpHeaders(new HttpHeader("Content-Type", "text/plain")))
                    .body("internal error").build();
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
