package dev.awsdeploy.testing;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** What the simulators in front of moto share: forwarding a request unchanged, answering one, reading a form. */
final class MotoForwarder {
    private static final Set<String> HOP = Set.of("host", "content-length", "connection", "expect", "upgrade",
            "transfer-encoding", "keep-alive");

    private final String moto;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    MotoForwarder(String motoUrl) {
        this.moto = motoUrl.replaceAll("/$", "");
    }

    String moto() {
        return moto;
    }

    /** The request as received, sent on to moto (hop-by-hop headers dropped), and moto's answer. */
    HttpResponse<byte[]> forward(HttpExchange ex, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(moto + ex.getRequestURI()))
                .timeout(Duration.ofSeconds(60))
                .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        ex.getRequestHeaders().forEach((k, vs) -> {
            if (!HOP.contains(k.toLowerCase())) {
                vs.forEach(v -> b.header(k, v));
            }
        });
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static void reply(HttpExchange ex, int status, String type, byte[] body, String requestId) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("x-amzn-RequestId", requestId);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(body);
        }
    }

    /** An application/x-www-form-urlencoded body (the Query protocol of ELBv2 and CloudWatch). */
    static Map<String, String> form(String body) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String part : body.split("&")) {
            int i = part.indexOf('=');
            if (i > 0) {
                m.put(URLDecoder.decode(part.substring(0, i), StandardCharsets.UTF_8),
                        URLDecoder.decode(part.substring(i + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }
}
