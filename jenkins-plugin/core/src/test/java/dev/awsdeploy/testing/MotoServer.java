package dev.awsdeploy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.run.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * moto server for tests: started once per test JVM on a free loopback port (one server per distinct set of
 * moto environment variables), reset before each test, with moto's recorder on so a test can count the requests
 * that reached AWS — and the mutating ones among them.
 *
 * <p>Use as {@code @RegisterExtension static MotoServer moto = MotoServer.shared();}
 */
public final class MotoServer implements BeforeEachCallback {
    private static final Map<String, MotoServer> SERVERS = new ConcurrentHashMap<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern ACTION = Pattern.compile("(?:^|&)Action=([A-Za-z0-9]+)");

    private final int port;
    private final Process process;
    private final Path dir;

    /** One request moto received: its operation and whether it changes state. */
    public record Request(String operation, String method, String url, boolean mutating) {
    }

    private MotoServer(Map<String, String> env) {
        try {
            this.port = freePort();
            this.dir = TempFolders.create("moto");
            ProcessBuilder pb = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", String.valueOf(port))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("moto.log").toFile()).directory(dir.toFile());
            pb.environment().put("MOTO_RECORDER_FILEPATH", dir.resolve("recording.jsonl").toString());
            pb.environment().putAll(env);
            this.process = pb.start();
            Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
            try {
                waitUntilUp(dir.resolve("moto.log"));
            } catch (IOException | RuntimeException e) {
                TempFolders.stop(process);
                TempFolders.delete(dir);
                throw e;
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot start moto_server (is moto installed with its server extras?)", e);
        }
    }

    /** The plain moto server of this test run. */
    public static MotoServer shared() {
        return with(Map.of());
    }

    /** A moto server started with these environment variables, e.g. MOTO_ECS_SERVICE_RUNNING=2. */
    public static MotoServer with(Map<String, String> env) {
        return SERVERS.computeIfAbsent(new java.util.TreeMap<>(env).toString(), k -> new MotoServer(env));
    }

    /** Stops the server and deletes its folder (log, data); the next {@code shared()} starts a new one. */
    public synchronized void stop() {
        TempFolders.stop(process);
        TempFolders.delete(dir);
        SERVERS.values().remove(this);
    }

    /** Stops every server of this JVM (at the end of the test run, before the temporary folder is checked). */
    public static void stopAll() {
        java.util.List.copyOf(SERVERS.values()).forEach(MotoServer::stop);
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        reset();
    }

    /** Clears all AWS state and the request recording. */
    public void reset() {
        post("/moto-api/reset");
        post("/moto-api/recorder/reset-recording");
        post("/moto-api/recorder/start-recording");
    }

    /** Forgets the requests recorded so far (state is kept): "from here on, count". */
    public void startCounting() {
        post("/moto-api/recorder/reset-recording");
        post("/moto-api/recorder/start-recording");
    }

    /** Every request moto received since the last reset or {@link #startCounting()}. */
    public List<Request> requests() {
        String body = get("/moto-api/recorder/download-recording");
        List<Request> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode n = Json.MAPPER.readTree(line);
                String method = n.path("method").asText();
                String url = n.path("url").asText();
                if (url.contains("/moto-api/")) {
                    continue;
                }
                String op = operation(n, method, url);
                out.add(new Request(op, method, url, mutating(op, method)));
            } catch (IOException e) {
                throw new IllegalStateException("unreadable moto recording line: " + line, e);
            }
        }
        return out;
    }

    public List<Request> mutatingRequests() {
        return requests().stream().filter(Request::mutating).toList();
    }

    public long count(String operation) {
        return requests().stream().filter(r -> r.operation().equals(operation)).count();
    }

    /** Sets an alarm's state the AWS-documented way to test alarm actions. */
    public void setAlarmState(String region, String alarm, String state) {
        String form = "Action=SetAlarmState&Version=2010-08-01&AlarmName=" + enc(alarm) + "&StateValue=" + state
                + "&StateReason=" + enc("set by test");
        HttpRequest req = HttpRequest.newBuilder(URI.create(url() + "/"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/" + region
                        + "/monitoring/aws4_request, SignedHeaders=host, Signature=0")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        send(req);
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String operation(JsonNode n, String method, String url) {
        JsonNode headers = n.path("headers");
        String target = header(headers, "X-Amz-Target");
        if (target != null) {
            return target.substring(target.lastIndexOf('.') + 1);
        }
        String body = n.path("body").asText("");
        if (n.path("body_encoded").asBoolean(false)) {
            body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
        }
        Matcher m = ACTION.matcher(body);
        if (m.find()) {
            return m.group(1);
        }
        m = ACTION.matcher(url.contains("?") ? url.substring(url.indexOf('?') + 1) : "");
        if (m.find()) {
            return m.group(1);
        }
        return method + " " + URI.create(url).getPath();
    }

    private static String header(JsonNode headers, String name) {
        var it = headers.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue().asText();
            }
        }
        return null;
    }

    public static boolean mutating(String op, String method) {
        if (op.contains(" ")) {
            return !(method.equals("GET") || method.equals("HEAD"));
        }
        for (String read : new String[] {"Describe", "List", "Get", "BatchGet", "BatchCheck", "Head"}) {
            if (op.startsWith(read)) {
                return false;
            }
        }
        return !op.equals("AssumeRole");
    }

    private void waitUntilUp(Path log) throws IOException {
        long until = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < until) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moto_server exited: " + Files.readString(log));
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/moto-api/data.json"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(100);
        }
        throw new IllegalStateException("moto_server did not start within 30 s: " + Files.readString(log));
    }

    private void post(String path) {
        send(HttpRequest.newBuilder(URI.create(url() + path)).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private String get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).GET().build());
    }

    private static String send(HttpRequest req) {
        try {
            HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 300) {
                throw new IllegalStateException(req.uri() + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException("moto request failed: " + req.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
