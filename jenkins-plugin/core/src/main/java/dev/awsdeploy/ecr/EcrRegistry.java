package dev.awsdeploy.ecr;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.apache.v2.ApacheHttpTransport;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.blob.Blob;
import com.google.cloud.tools.jib.blob.BlobDescriptor;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.Authorization;
import com.google.cloud.tools.jib.http.BlobHttpContent;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.http.Request;
import com.google.cloud.tools.jib.http.Response;
import com.google.cloud.tools.jib.http.ResponseException;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.registry.ManifestAndDigest;
import com.google.cloud.tools.jib.registry.RegistryClient;
import dev.awsdeploy.run.StepClock;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.conn.util.PublicSuffixMatcher;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.impl.conn.SystemDefaultRoutePlanner;
import dev.awsdeploy.run.StepFailedException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URL;
import java.security.DigestException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The image registry of one repository, spoken to through Jib core's registry client with the ECR token as basic
 * auth. Every call is retried a bounded number of times with backoff on connection failures and 5xx answers; a 401
 * fetches a fresh token once, then fails with what to check.
 */
final class EcrRegistry implements AutoCloseable {
    static final int ATTEMPTS = 4;
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    /** Jib's own default read timeout for registry requests ({@code jib.httpTimeout}). */
    private static final int HTTP_TIMEOUT_MS = 20_000;
    private static final java.util.concurrent.atomic.AtomicBoolean WARMED =
            new java.util.concurrent.atomic.AtomicBoolean();

    private final String host;
    private final String repository;
    private final EcrToken token;
    private final StepClock clock;
    private final FailoverHttpClient http;
    private final boolean plainHttp;
    private final String account;
    /** One Jib client per repository spoken to: the target, and the repositories layers are mounted from. */
    private final Map<String, RegistryClient> clients = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param host        host[:port] of the registry
     * @param plainHttp   whether the registry speaks plain HTTP (only allowed on loopback; checked by the caller)
     */
    EcrRegistry(String host, boolean plainHttp, String repository, EcrToken token, StepClock clock, String account) {
        this.host = host;
        this.repository = repository;
        this.token = token;
        this.clock = clock;
        this.account = account;
        this.plainHttp = plainHttp;
        this.http = httpClient(plainHttp, host);
    }

    /**
     * Jib's client without its own unbounded IO retries (we retry, bounded, with the step's clock). For a plain-HTTP
     * registry (loopback only) it is told up front that the host speaks HTTP, instead of trying HTTPS twice first.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static FailoverHttpClient httpClient(boolean plainHttp, String host) {
        Consumer<LogEvent> quiet = e -> { };
        FailoverHttpClient client;
        try {
            if (plainHttp) {
                // Jib's own transports set up TLS (a TLS context, the trust store, the public-suffix list) for
                // every request, also one to a plain-HTTP address: give it one that speaks plain HTTP only.
                client = overTransport(EcrRegistry::plainTransport);
            } else {
                var ctor = FailoverHttpClient.class.getDeclaredConstructor(boolean.class, boolean.class,
                        Consumer.class, boolean.class);
                ctor.setAccessible(true);
                client = ctor.newInstance(false, false, quiet, false);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            client = new FailoverHttpClient(plainHttp, plainHttp, quiet);
        }
        if (plainHttp) {
            try {
                var history = FailoverHttpClient.class.getDeclaredField("failoverHistory");
                history.setAccessible(true);
                Class<? extends Enum> failover = (Class<? extends Enum>) Class.forName(
                        FailoverHttpClient.class.getName() + "$Failover");
                URI uri = URI.create("https://" + host);
                ((Map<String, Object>) history.get(client)).put(uri.getHost() + ":" + uri.getPort(),
                        Enum.valueOf(failover, "HTTP"));
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Jib then finds out itself (two failed TLS handshakes on the first call).
            }
        }
        return client;
    }

    String host() {
        return host;
    }

    /**
     * Jib's client over transports of ours (plain HTTP, or the warm-up's canned answers), quiet and without Jib's own
     * IO retries; its constructor that takes them is package-private, hence the reflection.
     */
    private static FailoverHttpClient overTransport(java.util.function.Supplier<HttpTransport> transport)
            throws ReflectiveOperationException {
        var ctor = FailoverHttpClient.class.getDeclaredConstructor(boolean.class, boolean.class, Consumer.class,
                java.util.function.Supplier.class, java.util.function.Supplier.class, boolean.class);
        ctor.setAccessible(true);
        Consumer<LogEvent> quiet = e -> { };
        return ctor.newInstance(true, true, quiet, transport, transport, false);
    }

    /**
     * What Jib's transport is (pooled connections, no redirects, no automatic retries, the JVM's proxy settings),
     * for plain HTTP only: a new one per request, as Jib makes them (a kept connection the registry closed would
     * fail the next request). Without cookie handling, whose public-suffix list Apache HttpClient would otherwise
     * parse for every transport: a transport serves one request, so no cookie could ever be sent back.
     */
    private static final PublicSuffixMatcher NO_SUFFIXES = new PublicSuffixMatcher(List.of(), List.of());

    static HttpTransport plainTransport() {
        org.apache.http.config.Registry<ConnectionSocketFactory> sockets = RegistryBuilder
                .<ConnectionSocketFactory>create().register("http", PlainConnectionSocketFactory.getSocketFactory())
                .build();
        PoolingHttpClientConnectionManager connections = new PoolingHttpClientConnectionManager(sockets);
        connections.setMaxTotal(200);
        connections.setDefaultMaxPerRoute(20);
        return new ApacheHttpTransport(HttpClientBuilder.create().setConnectionManager(connections)
                .setRoutePlanner(new SystemDefaultRoutePlanner(java.net.ProxySelector.getDefault()))
                .disableRedirectHandling().disableAutomaticRetries().disableCookieManagement()
                .setPublicSuffixMatcher(NO_SUFFIXES).build());
    }

    /**
     * Loads and initialises the HTTP stack (Jib, Apache HttpClient, the TLS context) without sending anything, so a
     * background thread can do it while the step talks to AWS: the first upload then starts at once. The TLS
     * context (reading the trusted certificates) only when the registry speaks TLS; once per JVM.
     */
    static void warmUp(boolean tls) {
        if (!WARMED.compareAndSet(false, true)) {
            return;
        }
        try {
            warm(tls);
        } catch (ReflectiveOperationException | IOException | RegistryException | RuntimeException e) {
            // only an optimisation
        }
    }

    /** The warm-up itself, failures thrown (a test checks it completes). */
    static void warm(boolean tls) throws ReflectiveOperationException, IOException, RegistryException {
        FailoverHttpClient c = httpClient(!tls, "localhost");
        var transport = FailoverHttpClient.class.getDeclaredMethod("getHttpTransport", boolean.class);
        transport.setAccessible(true);
        transport.invoke(c, true); // the transport its requests use: plain for a plain-HTTP registry
        c.shutDown();
        // A blob and a manifest pushed through Jib's registry client to a transport that answers as a registry
        // does (nothing is sent): the run's first requests then find Jib's request path loaded.
        FailoverHttpClient fake = overTransport(CannedRegistry::new);
        RegistryClient rc = RegistryClient.factory(EventHandlers.NONE, "localhost", "warm-up", fake)
                .setCredential(Credential.from("AWS", "warm-up")).setUserAgent("aws-deploy").newRegistryClient();
        rc.configureBasicAuth();
        byte[] bytes = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String digest = EcrPush.sha256(bytes);
        rc.pushBlob(descriptor(digest), new ContentBlob(out -> out.write(bytes), bytes.length, digest), null,
                n -> { });
        rc.pushManifest(new RawManifest(bytes, "application/vnd.oci.image.manifest.v1+json"), "warm-up");
        fake.shutDown();
    }

    private RegistryClient client(String repo) {
        if (token.ensureFresh()) {
            clients.clear();
        }
        return clients.computeIfAbsent(repo, r -> {
            RegistryClient c = RegistryClient.factory(EventHandlers.NONE, host, r, http)
                    .setCredential(Credential.from(token.user(), token.password()))
                    .setUserAgent("aws-deploy")
                    .newRegistryClient();
            c.configureBasicAuth();
            return c;
        });
    }

    /** The digest the tag points to, or empty when the tag does not exist. */
    Optional<String> tagDigest(String tag) {
        return call("read tag " + tag, c -> c.checkManifest(tag).map(ManifestAndDigest::getDigest)
                .map(DescriptorDigest::toString));
    }

    boolean hasBlob(String digest) {
        return hasBlob(repository, digest);
    }

    /** Whether {@code repo} (the target or another repository of the registry) holds the blob. */
    boolean hasBlob(String repo, String digest) {
        return call("check layer " + shortDigest(digest), repo, c -> c.checkBlob(descriptor(digest)).isPresent());
    }

    /** Bytes of a blob, written as often as asked (a retried upload writes them again). */
    @FunctionalInterface
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Uploads a blob, or with {@code mountFrom} (another repository of this registry) first asks the registry to
     * mount it from there (Jib's {@code POST .../blobs/uploads/?mount=DIGEST&from=REPO}): a registry that mounts
     * answers 201 and nothing is sent; one that answers with an upload session (mounting off, other encryption)
     * gets the bytes in that session, as without a mount. Returns false when nothing had to be sent.
     */
    boolean pushBlob(String digest, long size, Content content, Consumer<Long> sent, String mountFrom) {
        Blob blob = new ContentBlob(content, size, digest);
        return !call((mountFrom != null ? "mount or upload layer " : "upload layer ") + shortDigest(digest),
                repository, c -> c.pushBlob(descriptor(digest), blob, mountFrom, sent));
    }

    /**
     * Uploads a blob whose digest is not known yet: a layer still being compressed, to a repository this push
     * created (so it cannot hold the layer). The OCI distribution API allows it: POST opens an upload session, one
     * PATCH streams the bytes as {@code content} produces them, and the PUT that commits them names the digest,
     * known by then ({@code digest} is waited for after the bytes). Jib's registry client wants the digest before
     * the first request, so this speaks the three requests itself, through Jib's HTTP client. A failed attempt
     * (connection, 5xx, 429) starts a new session, bounded and with backoff like every registry call; a 401 fetches
     * a fresh token once.
     */
    void pushStreamed(String label, Content content, CompletableFuture<String> digest, Consumer<Long> sent) {
        URL start;
        try {
            start = new URL((plainHttp ? "http://" : "https://") + host + "/v2/" + repository + "/blobs/uploads/");
        } catch (java.net.MalformedURLException e) {
            throw new IllegalArgumentException(e);
        }
        call("upload " + label + " (streamed while compressed)", repository, c -> {
            streamOnce(label, start, content, digest, sent);
            return null;
        });
    }

    /** One attempt: a new upload session, the bytes as they come, the commit under the digest. */
    private void streamOnce(String label, URL start, Content content, CompletableFuture<String> digest,
                            Consumer<Long> sent) throws IOException {
        Authorization auth = Authorization.fromBasicCredentials(token.user(), token.password());
        URL session = location(http.call("POST", start, request(auth, null)), start, 202);
        Blob blob = new ContentBlob(content, -1, null);
        URL written = location(http.call("PATCH", session, request(auth,
                new BlobHttpContent(blob, "application/octet-stream", sent::accept))), session, 202);
        String d = awaitDigest(digest);
        String q = written.getQuery() == null ? "?" : "&";
        URL commit = new URL(written + q + "digest=" + java.net.URLEncoder.encode(d,
                java.nio.charset.StandardCharsets.US_ASCII));
        try (Response r = http.call("PUT", commit, request(auth, null))) {
            if (r.getStatusCode() != 201) {
                throw new StepFailedException("registry " + host + " answered " + r.getStatusCode() + " to the "
                        + "commit of " + label + " in repository " + repository + " (201 expected)");
            }
        }
    }

    private static Request request(Authorization auth, BlobHttpContent body) {
        Request.Builder b = Request.builder().setAuthorization(auth).setUserAgent("aws-deploy")
                .setHttpTimeout(HTTP_TIMEOUT_MS);
        return body == null ? b.build() : b.setBody(body).build();
    }

    /** The session URL a 202 names (relative to the request, or absolute); the response is closed. */
    private URL location(Response r, URL requested, int expected) throws IOException {
        try (r) {
            List<String> loc = r.getHeader("Location");
            if (r.getStatusCode() != expected || loc == null || loc.size() != 1) {
                throw new StepFailedException("registry " + host + " answered " + r.getStatusCode() + " with "
                        + (loc == null ? 0 : loc.size()) + " Location headers to an upload request in repository "
                        + repository + " (" + expected + " and one Location expected)");
            }
            return new URL(requested, loc.get(0));
        }
    }

    private static String awaitDigest(CompletableFuture<String> digest) {
        try {
            return digest.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailedException("interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) {
                c = c.getCause();
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new StepFailedException("compressing the layer failed: " + c, c);
        }
    }

    /** Writes a manifest (or image index) under a tag, or by its digest ({@code sha256:...}) for an index's images. */
    String pushManifest(byte[] manifest, String mediaType, String tagOrDigest) {
        RawManifest m = new RawManifest(manifest, mediaType);
        String what = tagOrDigest.startsWith("sha256:") ? "write manifest " + shortDigest(tagOrDigest)
                : "tag " + tagOrDigest;
        return call(what, repository, c -> c.pushManifest(m, tagOrDigest).toString());
    }

    /** The registry refused a tag write as an invalid tag (ECR: an immutable tag that already exists). */
    static final class TagRefusedException extends StepFailedException {
        private static final long serialVersionUID = 1L;

        TagRefusedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @FunctionalInterface
    private interface RegistryCall<T> {
        T apply(RegistryClient c) throws IOException, RegistryException;
    }

    private static <T> T unauthorizedApart(RegistryCall<T> call, RegistryClient c)
            throws IOException, RegistryException, UnauthorizedResponse {
        try {
            return call.apply(c);
        } catch (ResponseException e) {
            if (e.getStatusCode() == 401) {
                throw new UnauthorizedResponse(e);
            }
            throw e;
        }
    }

    private <T> T call(String what, RegistryCall<T> call) {
        return call(what, repository, call);
    }

    /** A 401 met by a request made without Jib's registry client (a streamed upload). */
    private static final class UnauthorizedResponse extends Exception {
        private static final long serialVersionUID = 1L;

        UnauthorizedResponse(ResponseException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private <T> T call(String what, String repo, RegistryCall<T> call) {
        boolean refreshed = false;
        Duration backoff = FIRST_BACKOFF;
        Exception last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            long t = System.nanoTime();
            try {
                T result = unauthorizedApart(call, client(repo));
                Trace.span("registry: " + what, t);
                return result;
            } catch (RegistryUnauthorizedException | UnauthorizedResponse e) {
                if (!refreshed) {
                    refreshed = true;
                    token.fetch();
                    clients.clear();
                    attempt--;
                    continue;
                }
                throw new StepFailedException("registry " + host + " refused the ECR credentials (401 Unauthorized)"
                        + " to " + what + " in repository " + repository + ", also with a fresh token; check that "
                        + "registryUrl is the registry of account " + account + " in this region, and that the "
                        + "credentials may use ecr:GetAuthorizationToken and push to " + repo);
            } catch (ResponseException e) {
                if (e.getStatusCode() < 500 && e.getStatusCode() != 429) {
                    throw new StepFailedException("registry " + host + " answered " + e.getStatusCode() + " to "
                            + what + " in repository " + repo + ": " + firstLine(e.getContent()), e);
                }
                last = e;
            } catch (IOException e) {
                last = e;
            } catch (RegistryException e) {
                String message = "registry " + host + " refused to " + what + " in repository " + repo + ": "
                        + firstLine(e.getCause() instanceof ResponseException r && r.getContent() != null
                        ? r.getContent() : e.getMessage());
                if (e.getCause() instanceof ResponseException r && r.getStatusCode() == 400
                        && String.valueOf(r.getContent()).contains("TAG_INVALID")) {
                    throw new TagRefusedException(message, e);
                }
                throw new StepFailedException(message, e);
            }
            if (attempt < ATTEMPTS) {
                try {
                    clock.sleepUntil(clock.now().plus(backoff));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new StepFailedException("interrupted while waiting to retry: " + what);
                }
                backoff = backoff.multipliedBy(2);
            }
        }
        throw new StepFailedException("registry " + host + " could not be reached to " + what + " after "
                + ATTEMPTS + " attempts: " + describe(last) + "; check registryUrl and that the registry is up", last);
    }

    private static String describe(Exception e) {
        if (e instanceof ResponseException r) {
            return "HTTP " + r.getStatusCode();
        }
        Throwable t = e;
        while (t.getCause() != null && t.getMessage() == null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : " (" + t.getMessage() + ")");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "(no details)";
        }
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }

    static String shortDigest(String digest) {
        return digest.length() > 19 ? digest.substring(0, 19) : digest;
    }

    private static DescriptorDigest descriptor(String digest) {
        try {
            return DescriptorDigest.fromDigest(digest);
        } catch (DigestException e) {
            throw new IllegalArgumentException(digest, e);
        }
    }

    @Override
    public void close() {
        try {
            http.shutDown();
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static final class ContentBlob implements Blob {
        private final Content content;
        private final long size;
        private final String digest;

        ContentBlob(Content content, long size, String digest) {
            this.content = content;
            this.size = size;
            this.digest = digest;
        }

        @Override
        public BlobDescriptor writeTo(OutputStream out) throws IOException {
            content.writeTo(out);
            return digest == null ? null : new BlobDescriptor(size, descriptor(digest));
        }

        @Override
        public boolean isRetryable() {
            return true;
        }
    }

    /** A manifest pushed byte for byte as built, so its digest is the one computed beforehand. */
    @JsonSerialize(using = RawManifest.Writer.class)
    static final class RawManifest implements ManifestTemplate {
        private final byte[] bytes;
        private final String mediaType;

        RawManifest(byte[] bytes, String mediaType) {
            this.bytes = bytes;
            this.mediaType = mediaType;
        }

        @Override
        public int getSchemaVersion() {
            return 2;
        }

        @Override
        public String getManifestMediaType() {
            return mediaType;
        }

        static final class Writer extends JsonSerializer<RawManifest> {
            @Override
            public void serialize(RawManifest m, JsonGenerator gen, SerializerProvider p) throws IOException {
                gen.writeRawValue(new String(m.bytes, java.nio.charset.StandardCharsets.UTF_8));
            }
        }
    }
}
