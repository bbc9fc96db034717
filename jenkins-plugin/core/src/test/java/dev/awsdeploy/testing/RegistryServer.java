package dev.awsdeploy.testing;

import java.io.IOException;
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
 * Debian's docker-registry (distribution 2.8) for tests: started once per test JVM and password on a free loopback
 * port, filesystem storage in a temporary folder, htpasswd auth with user {@code AWS} — by default with the password
 * moto's ECR GetAuthorizationToken hands out, so the token the engine fetched is what really authenticates. Its access
 * log tells a test which requests reached the registry since {@link #startCounting()} (done before each test).
 *
 * <p>Use as {@code @RegisterExtension static RegistryServer registry = RegistryServer.shared();}
 */
public final class RegistryServer implements BeforeEachCallback {
    /** The password moto's ECR token decodes to ({@code AWS:123456789012-auth-token}). */
    public static final String MOTO_PASSWORD = "123456789012-auth-token";
    private static final Map<String, RegistryServer> SERVERS = new ConcurrentHashMap<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern ACCESS = Pattern.compile(
            "\"(GET|HEAD|POST|PUT|PATCH|DELETE) (\\S+) HTTP/[0-9.]+\" (\\d{3}) (\\d+|-)");

    private final int port;
    private final Process process;
    private final Path dir;
    private final Path log;
    private final String password;
    private volatile long countFrom;

    /** One request the registry answered. */
    public record Request(String method, String path, int status) {
        public boolean isUpload() {
            return method.equals("POST") || method.equals("PATCH") || method.equals("PUT");
        }

        @Override
        public String toString() {
            return method + " " + path + " " + status;
        }
    }

    private RegistryServer(String password) {
        this.password = password;
        try {
            this.port = MotoServer.freePort();
            this.dir = TempFolders.create("registry");
            Path htpasswd = dir.resolve("htpasswd");
            Process h = new ProcessBuilder("htpasswd", "-Bbn", "AWS", password).redirectErrorStream(true).start();
            byte[] line = h.getInputStream().readAllBytes();
            if (h.waitFor() != 0) {
                throw new IllegalStateException("htpasswd failed: " + new String(line, StandardCharsets.UTF_8));
            }
            Files.write(htpasswd, line);
            Path config = dir.resolve("config.yml");
            Files.writeString(config, String.join("\n",
                    "version: 0.1",
                    "log:",
                    "  level: warn",
                    "  accesslog:",
                    "    disabled: false",
                    "storage:",
                    "  filesystem:",
                    "    rootdirectory: " + dir.resolve("data"),
                    "  delete:",
                    "    enabled: true",
                    "http:",
                    "  addr: 127.0.0.1:" + port,
                    "  secret: aws-deploy-test-only",
                    "auth:",
                    "  htpasswd:",
                    "    realm: aws-deploy-test",
                    "    path: " + htpasswd,
                    ""));
            this.log = dir.resolve("registry.log");
            this.process = new ProcessBuilder("docker-registry", "serve", config.toString()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).directory(dir.toFile()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
            try {
                waitUntilUp();
            } catch (IOException | InterruptedException | RuntimeException e) {
                TempFolders.stop(process);
                TempFolders.delete(dir);
                throw e;
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot start docker-registry (apt-get install docker-registry "
                    + "apache2-utils)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The registry that accepts moto's ECR token. */
    public static RegistryServer shared() {
        return withPassword(MOTO_PASSWORD);
    }

    /** A registry whose user AWS has this password (another one than moto's: a registry that refuses the token). */
    public static RegistryServer withPassword(String password) {
        return SERVERS.computeIfAbsent(password, RegistryServer::new);
    }

    /** Stops the server and deletes its folder (log, data); the next {@code shared()} starts a new one. */
    public synchronized void stop() {
        TempFolders.stop(process);
        TempFolders.delete(dir);
        SERVERS.values().remove(this);
    }

    /** Stops every server of this JVM (at the end of the test run, before the temporary folder is checked). */
    public static void stopAll() {
        java.util.List.copyOf(SERVERS.values()).forEach(RegistryServer::stop);
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        startCounting();
    }

    /** From here on, {@link #requests()} lists what reaches the registry. */
    public void startCounting() {
        try {
            countFrom = Files.size(log);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every request the registry answered since the last {@link #startCounting()}, in order. */
    public List<Request> requests() {
        try {
            Thread.sleep(50); // the access log is written after the response
            byte[] all = Files.readAllBytes(log);
            String text = new String(all, (int) Math.min(countFrom, all.length),
                    (int) Math.max(0, all.length - countFrom), StandardCharsets.UTF_8);
            List<Request> out = new ArrayList<>();
            Matcher m = ACCESS.matcher(text);
            while (m.find()) {
                if (!m.group(2).equals("/v2/") || !m.group(1).equals("GET")) {
                    out.add(new Request(m.group(1), m.group(2), Integer.parseInt(m.group(3))));
                }
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public List<Request> uploads() {
        return requests().stream().filter(Request::isUpload).toList();
    }

    /** A manifest as the registry serves it: its bytes and the digest header. */
    public record Manifest(byte[] bytes, String digestHeader, String mediaType, int status) {
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** GET /v2/REPO/manifests/REF with the registry's credentials (a test looking at the registry afterwards). */
    public Manifest manifest(String repository, String reference) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url() + "/v2/" + repository + "/manifests/" + reference))
                .header("Authorization", auth())
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json, "
                        + "application/vnd.oci.image.manifest.v1+json")
                .GET().build();
        try {
            HttpResponse<byte[]> r = HTTP.send(req, HttpResponse.BodyHandlers.ofByteArray());
            return new Manifest(r.body(), r.headers().firstValue("Docker-Content-Digest").orElse(null),
                    r.headers().firstValue("Content-Type").orElse(null), r.statusCode());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** HTTP status of HEAD /v2/REPO/blobs/DIGEST. */
    public int blobStatus(String repository, String digest) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url() + "/v2/" + repository + "/blobs/" + digest))
                .header("Authorization", auth()).method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
        try {
            return HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String auth() {
        return "Basic " + Base64.getEncoder().encodeToString(("AWS:" + password).getBytes(StandardCharsets.UTF_8));
    }

    private void waitUntilUp() throws IOException, InterruptedException {
        long until = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < until) {
            if (!process.isAlive()) {
                throw new IllegalStateException("docker-registry exited: " + Files.readString(log));
            }
            try {
                HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/v2/"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 401 || r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("docker-registry did not start within 30 s: " + Files.readString(log));
    }
}
