package dev.awsdeploy.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;

/**
 * A front for the test registry that passes every request on unchanged (upload sessions' Location headers
 * rewritten to point back here) and makes the next requests of a method fail as told: a 503 or a dropped
 * connection, without reaching the registry. WireMock's proxy cannot be used for uploads: it changes a streamed
 * (chunked) PATCH body, which the registry then refuses as DIGEST_INVALID.
 */
public final class RegistryFront implements AutoCloseable {
    /** What a faulted request gets. */
    public enum Fault { UNAVAILABLE, DROPPED }

    private static final Set<String> HOP = Set.of("host", "content-length", "connection", "expect", "upgrade",
            "transfer-encoding", "keep-alive");
    private final String registry;
    private final HttpServer server;
    /** Passes a request on unchanged (hop-by-hop headers dropped), as the simulators in front of moto do. */
    private final MotoForwarder forwarder;
    private final Deque<Fault> faults = new ConcurrentLinkedDeque<>();
    private volatile String faultedMethod = "";
    private final List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());

    public RegistryFront(String registryUrl) {
        this.registry = registryUrl.replaceAll("/$", "");
        this.forwarder = new MotoForwarder(registry);
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The next requests with this method get these faults, one each, in order. */
    public void failNext(String method, Fault... next) {
        faultedMethod = method;
        faults.addAll(List.of(next));
    }

    /** Every request received ("METHOD path -> status", "fault" for the faulted ones), in order. */
    public List<String> seen() {
        return List.copyOf(seen);
    }

    private void handle(HttpExchange ex) throws IOException {
        String line = ex.getRequestMethod() + " " + ex.getRequestURI();
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        Fault fault = ex.getRequestMethod().equals(faultedMethod) ? faults.poll() : null;
        if (fault == Fault.UNAVAILABLE) {
            seen.add(line + " -> 503 (fault)");
            byte[] b = "{\"errors\":[{\"code\":\"UNAVAILABLE\"}]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(503, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
            return;
        }
        if (fault == Fault.DROPPED) {
            seen.add(line + " -> dropped (fault)");
            ex.close(); // no status line: the client sees the connection end
            return;
        }
        HttpResponse<byte[]> r;
        try {
            r = forwarder.forward(ex, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        seen.add(line + " -> " + r.statusCode());
        r.headers().map().forEach((k, vs) -> {
            if (!HOP.contains(k.toLowerCase()) && !k.equals(":status")) {
                vs.forEach(v -> ex.getResponseHeaders().add(k, k.equalsIgnoreCase("location")
                        ? v.replace(registry, url()) : v));
            }
        });
        boolean noBody = ex.getRequestMethod().equals("HEAD") || r.statusCode() == 204 || r.body().length == 0;
        ex.sendResponseHeaders(r.statusCode(), noBody ? -1 : r.body().length);
        try (OutputStream o = ex.getResponseBody()) {
            if (!noBody) {
                o.write(r.body());
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
