package dev.awsdeploy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.awsdeploy.run.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An ECS rollout simulator in front of moto, for tests and the demo. moto accepts UpdateService but never rolls
 * a deployment out (the PRIMARY deployment keeps the old task definition forever) and registers no targets for
 * services. This proxy forwards every request to moto unchanged and rewrites only two answers the way ECS and
 * the ALB would show them:
 * <ul>
 *   <li>DescribeServices: after the service's task definition or desired count changes, a new PRIMARY deployment
 *   with the new task definition whose running count rises over the next looks (rolloutState IN_PROGRESS, the
 *   old deployment ACTIVE and draining), then COMPLETED — or, when asked, FAILED, or rolled back by the
 *   deployment circuit breaker (old task definition PRIMARY again);</li>
 *   <li>DescribeTargetHealth of a service's target group: one target per running task, healthy unless a test
 *   asks for unhealthy ones.</li>
 * </ul>
 * Nothing is invented about traffic: listener rules, weights, alarms and task definitions are moto's own.
 *
 * <p>Demo: {@code java -cp aws-deploy.jar:aws-deploy-core-*-tests.jar dev.awsdeploy.testing.EcsRolloutFront PORT
 * MOTO_URL [LOOKS_TO_COMPLETE]}.
 */
public final class EcsRolloutFront implements AutoCloseable {

    /** How the next rollout of a service ends. */
    public enum Ending { COMPLETED, FAILED, ROLLED_BACK }


    private final MotoForwarder proxy;
    private final HttpServer server;
    private final Map<String, Svc> services = new ConcurrentHashMap<>();
    private final Map<String, String> serviceOfGroup = new ConcurrentHashMap<>();
    private final Map<String, Ending> nextEnding = new ConcurrentHashMap<>();
    private final Map<String, Integer> unhealthy = new ConcurrentHashMap<>();
    private final AtomicInteger deploymentIds = new AtomicInteger(1000);
    private volatile int looksToComplete;

    private static final class Svc {
        String name;
        String primaryTd;
        String oldTd;
        String hiddenTd;
        int desired;
        int looks;
        boolean rolling;
        Ending ending = Ending.COMPLETED;
        String deploymentId;
        String oldDeploymentId;
        int running;
        int oldRunning;
        String state = "COMPLETED";
        String stateReason;
    }

    public EcsRolloutFront(String motoUrl, int port, int looksToComplete) {
        this.proxy = new MotoForwarder(motoUrl);
        this.looksToComplete = looksToComplete;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on port " + port, e);
        }
        server.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "ecs-rollout-front");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** On a free loopback port in front of moto at {@code motoUrl} (no JUnit types here: the demo runs it). */
    public static EcsRolloutFront start(String motoUrl) {
        return new EcsRolloutFront(motoUrl, 0, 3);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** How many DescribeServices looks a rollout takes to complete (running rises evenly until then). */
    public EcsRolloutFront looksToComplete(int n) {
        looksToComplete = n;
        return this;
    }

    /** The next rollout of {@code service} ends this way. */
    public EcsRolloutFront nextRollout(String service, Ending ending) {
        nextEnding.put(service, ending);
        return this;
    }

    /** {@code count} of the service's targets report unhealthy (0 to heal them). */
    public EcsRolloutFront unhealthyTargets(String service, int count) {
        unhealthy.put(service, count);
        return this;
    }

    /** Forgets every service (call between tests, after moto's reset). */
    public void reset() {
        services.clear();
        serviceOfGroup.clear();
        nextEnding.clear();
        unhealthy.clear();
        looksToComplete = 3;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
            String text = new String(body, StandardCharsets.UTF_8);
            Map<String, String> form = target == null ? form(text) : Map.of();
            if ("DescribeTargetHealth".equals(form.get("Action"))) {
                String service = serviceOfGroup.get(form.getOrDefault("TargetGroupArn", ""));
                if (service != null) {
                    reply(ex, 200, "text/xml", targetHealth(services.get(service)));
                    return;
                }
            }
            HttpResponse<byte[]> r = proxy.forward(ex, body);
            byte[] out = r.body();
            if (target != null && target.endsWith(".DescribeServices") && r.statusCode() == 200) {
                out = describeServices(out);
            }
            String type = r.headers().firstValue("Content-Type").orElse("application/octet-stream");
            reply(ex, r.statusCode(), type, out);
        } catch (RuntimeException | InterruptedException e) {
            reply(ex, 500, "text/plain", ("rollout front: " + e).getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void reply(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        MotoForwarder.reply(ex, status, type, body, "rollout-front");
    }

    private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        reply(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> form(String body) {
        return MotoForwarder.form(body);
    }

    private byte[] describeServices(byte[] answer) throws IOException {
        JsonNode root = Json.MAPPER.readTree(answer);
        for (JsonNode node : root.path("services")) {
            ObjectNode s = (ObjectNode) node;
            String key = s.path("serviceArn").asText();
            Svc svc;
            synchronized (services) {
                svc = services.computeIfAbsent(key, k -> steady(s));
                advance(svc, s);
            }
            present(svc, s);
            for (JsonNode lb : s.path("loadBalancers")) {
                if (lb.hasNonNull("targetGroupArn")) {
                    serviceOfGroup.put(lb.get("targetGroupArn").asText(), key);
                }
            }
        }
        return Json.MAPPER.writeValueAsBytes(root);
    }

    private Svc steady(ObjectNode s) {
        Svc v = new Svc();
        v.name = s.path("serviceName").asText();
        v.primaryTd = s.path("taskDefinition").asText();
        v.desired = s.path("desiredCount").asInt();
        v.running = v.desired;
        v.deploymentId = "ecs-svc/" + deploymentIds.incrementAndGet();
        return v;
    }

    /** One look: notice a new task definition or count, and move a rollout on. */
    private void advance(Svc v, ObjectNode s) {
        String td = s.path("taskDefinition").asText();
        int desired = s.path("desiredCount").asInt();
        if (v.hiddenTd != null && td.equals(v.hiddenTd)) {
            return; // rolled back by the circuit breaker: moto still holds the failed task definition
        }
        if (!td.equals(v.primaryTd) || desired != v.desired) {
            v.hiddenTd = null;
            v.oldTd = td.equals(v.primaryTd) ? null : v.primaryTd;
            v.oldDeploymentId = v.deploymentId;
            v.oldRunning = v.oldTd == null ? 0 : v.running;
            v.primaryTd = td;
            v.desired = desired;
            v.running = v.oldTd == null ? Math.min(v.running, desired) : 0;
            v.looks = 0;
            v.rolling = true;
            v.state = "IN_PROGRESS";
            v.stateReason = null;
            v.deploymentId = "ecs-svc/" + deploymentIds.incrementAndGet();
            Ending e = nextEnding.remove(v.name);
            v.ending = e == null ? Ending.COMPLETED : e;
            return;
        }
        if (!v.rolling) {
            return;
        }
        v.looks++;
        int n = Math.max(1, looksToComplete);
        if (v.ending != Ending.COMPLETED && v.looks >= n) {
            v.rolling = false;
            v.running = 0;
            if (v.ending == Ending.FAILED) {
                v.state = "FAILED";
                v.stateReason = "ECS deployment circuit breaker: tasks failed to start.";
            } else {
                // The circuit breaker rolls back: the old task definition becomes PRIMARY again.
                v.hiddenTd = v.primaryTd;
                v.primaryTd = v.oldTd;
                v.running = v.oldRunning;
                v.oldTd = null;
                v.state = "COMPLETED";
                v.stateReason = "ECS deployment circuit breaker: rolled back to the previous deployment.";
                v.deploymentId = "ecs-svc/" + deploymentIds.incrementAndGet();
            }
            return;
        }
        v.running = Math.min(v.desired, v.desired * v.looks / n);
        if (v.oldTd != null) {
            v.oldRunning = Math.max(0, v.desired - v.running);
        }
        if (v.looks >= n && v.ending == Ending.COMPLETED) {
            v.running = v.desired;
            v.rolling = false;
            v.state = "COMPLETED";
            v.oldTd = null;
            v.oldRunning = 0;
        }
    }

    private void present(Svc v, ObjectNode s) {
        JsonNode template = s.path("deployments").isArray() && s.path("deployments").size() > 0
                ? s.path("deployments").get(0) : Json.MAPPER.createObjectNode();
        ArrayNode deployments = Json.MAPPER.createArrayNode();
        ObjectNode primary = deployment(template, v.deploymentId, "PRIMARY", v.primaryTd, v.desired, v.running,
                v.state, v.stateReason);
        if ("FAILED".equals(v.state)) {
            primary.put("failedTasks", v.desired);
        }
        deployments.add(primary);
        int running = v.running;
        if (v.oldTd != null && v.oldRunning > 0) {
            deployments.add(deployment(template, v.oldDeploymentId, "ACTIVE", v.oldTd, v.oldRunning, v.oldRunning,
                    "COMPLETED", null));
            running += v.oldRunning;
        }
        s.set("deployments", deployments);
        s.put("taskDefinition", v.primaryTd);
        s.put("runningCount", running);
        s.put("pendingCount", Math.max(0, v.desired - v.running));
        s.put("desiredCount", v.desired);
    }

    private static ObjectNode deployment(JsonNode template, String id, String status, String td, int desired,
                                         int running, String state, String reason) {
        ObjectNode d = template.deepCopy();
        d.put("id", id);
        d.put("status", status);
        d.put("taskDefinition", td);
        d.put("desiredCount", desired);
        d.put("runningCount", running);
        d.put("pendingCount", Math.max(0, desired - running));
        d.put("failedTasks", 0);
        d.put("rolloutState", state);
        d.put("rolloutStateReason", reason != null ? reason : "ECS deployment " + id + " "
                + ("COMPLETED".equals(state) ? "completed." : "in progress."));
        return d;
    }

    private String targetHealth(Svc v) {
        StringBuilder members = new StringBuilder();
        int total;
        synchronized (services) {
            total = v.running + (v.oldTd != null ? v.oldRunning : 0);
        }
        int bad = unhealthy.getOrDefault(v.name, 0);
        for (int i = 0; i < total; i++) {
            boolean healthy = i >= bad;
            members.append("<member><Target><Id>10.0.").append(Math.abs(v.name.hashCode() % 250)).append('.')
                    .append(i + 10).append("</Id><Port>8080</Port></Target><HealthCheckPort>8080</HealthCheckPort>")
                    .append("<TargetHealth><State>").append(healthy ? "healthy" : "unhealthy").append("</State>")
                    .append(healthy ? "" : "<Reason>Target.ResponseCodeMismatch</Reason><Description>Health checks "
                            + "failed with these codes: [503]</Description>")
                    .append("</TargetHealth></member>");
        }
        return "<DescribeTargetHealthResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">"
                + "<DescribeTargetHealthResult><TargetHealthDescriptions>" + members
                + "</TargetHealthDescriptions></DescribeTargetHealthResult><ResponseMetadata><RequestId>rollout-front"
                + "</RequestId></ResponseMetadata></DescribeTargetHealthResponse>";
    }

    /** The demo's simulator: {@code PORT MOTO_URL [LOOKS_TO_COMPLETE]}; runs until killed. */
    public static void main(String[] args) throws InterruptedException {
        if (args.length < 2) {
            System.err.println("usage: EcsRolloutFront PORT MOTO_URL [LOOKS_TO_COMPLETE]");
            System.exit(2);
        }
        EcsRolloutFront f = new EcsRolloutFront(args[1], Integer.parseInt(args[0]),
                args.length > 2 ? Integer.parseInt(args[2]) : 3);
        System.err.println("ECS rollout simulator on " + f.url() + " in front of " + args[1]);
        Thread.currentThread().join();
    }
}
