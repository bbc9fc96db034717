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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Action;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ActionTypeEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroupTuple;

/**
 * ECS's native blue/green, canary and linear deployments, simulated in front of moto (which implements none of
 * them), for tests, the benchmark and the demo. Every request is forwarded to moto unchanged except:
 * <ul>
 *   <li>UpdateService of a service whose deploymentConfiguration.strategy is BLUE_GREEN, CANARY or LINEAR (after
 *   moto applied it) with a new task definition (or forceNewDeployment) starts a <em>service deployment</em> that
 *   walks ECS's lifecycle stages on the given clock — RECONCILE_SERVICE, PRE_SCALE_UP, SCALE_UP, POST_SCALE_UP,
 *   [TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT when a testListenerRule is set], PRODUCTION_TRAFFIC_SHIFT,
 *   POST_PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME, CLEAN_UP — and, as ECS does, moves the weights of the production
 *   (and test) listener rule <em>in moto</em> with ModifyRule, so a reader of the rule reads real ELB state;</li>
 *   <li>ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions and StopServiceDeployment
 *   (ROLLBACK) are answered here, in ECS's JSON 1.1 wire format;</li>
 *   <li>DescribeServices and UpdateService answers get {@code currentServiceDeployment} and the deployments[] ECS
 *   shows (moto already keeps deploymentConfiguration and loadBalancers[].advancedConfiguration as sent);</li>
 *   <li>ECS's own rollbacks: the deployment circuit breaker (when a test says the new tasks fail) and the
 *   deployment's CloudWatch alarms (read from moto; ECS acts only some time after it sees ALARM).</li>
 * </ul>
 * Written from the ECS API reference (ServiceDeployment, ServiceDeploymentLifecycleStage, StopServiceDeployment,
 * CanaryConfiguration, LinearConfiguration, AdvancedConfiguration). Where the reference is silent this is a
 * guess, marked GUESS below: how long each stage lasts, the weights ECS writes, the order of a rollback's steps,
 * the errors of a stop that comes too late.
 *
 * <p>The calls it receives (from the step under test) are journalled, so a test can count what the step changed;
 * its own calls to moto (ModifyRule, UpdateService on rollback) go straight to moto and are not in the journal.
 *
 * <p>Demo: {@code java -cp aws-deploy.jar:aws-deploy-core-*-tests.jar dev.awsdeploy.testing.EcsServiceDeploymentFront
 * PORT MOTO_URL [MINUTE]} (MINUTE, e.g. 10s, is how long one of ECS's minutes lasts there).
 */
public final class EcsServiceDeploymentFront implements AutoCloseable {

    /** How the next deployment of a service goes. */
    public enum Ending { SUCCEEDS, CIRCUIT_BREAKER }

    /** Stage lengths in the front's clock (GUESS: ECS documents none; minutes of bake and canary are ECS's). */
    public record Timing(Duration reconcile, Duration preScaleUp, Duration scaleUp, Duration postScaleUp,
                         Duration testShift, Duration postProductionShift, Duration cleanUp, Duration rollback,
                         Duration ecsAlarmDelay) {
        public static Timing standard() {
            return new Timing(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30),
                    Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(10),
                    Duration.ofSeconds(10), Duration.ofSeconds(60));
        }
    }

    private static final String PREFIX = "AmazonEC2ContainerServiceV20141113.";

    private final String moto;
    private final MotoForwarder proxy;
    private final HttpServer server;
    private final Supplier<Instant> clock;
    private volatile Duration minute;
    private final Duration defaultMinute;
    private volatile Timing timing = Timing.standard();
    private final List<Dep> deployments = new ArrayList<>();
    private final Map<String, Rev> revisions = new LinkedHashMap<>();
    private final Map<String, Ending> nextEnding = new ConcurrentHashMap<>();
    private final List<String> journal = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, ElasticLoadBalancingV2Client> elbs = new ConcurrentHashMap<>();
    private final Map<String, CloudWatchClient> cws = new ConcurrentHashMap<>();
    private final Map<String, EcsClient> ecss = new ConcurrentHashMap<>();
    /** deploymentConfiguration as the SDK sent it, by service ARN (moto keeps it only from UpdateService). */
    private final Map<String, JsonNode> configs = new ConcurrentHashMap<>();
    /** Percentage points the production rule is off from what ECS reports (a rule someone else edits). */
    private volatile double skew;
    private int revisionNumbers;

    /** One service revision: a task definition as a service ran it. */
    private record Rev(String arn, String serviceArn, String clusterArn, String taskDefinition, JsonNode loadBalancers,
                       Instant createdAt) {
    }

    /** A step of the schedule: at this time, this stage (or ending), and the new revision's production share. */
    private record Step(Instant at, String stage, Double newPercent, Double testPercent, String status) {
    }

    private static final class Dep {
        String arn;
        String region;
        String clusterArn;
        String serviceArn;
        String serviceName;
        Rev source;
        Rev target;
        JsonNode config;
        Instant createdAt;
        Instant startedAt;
        Instant finishedAt;
        Instant stoppedAt;
        Instant updatedAt;
        String status = "PENDING";
        String statusReason;
        String stage;
        double newPercent;
        String productionRule;
        String testRule;
        String oldTg;
        String newTg;
        List<Step> schedule = new ArrayList<>();
        int next;
        String rollbackReason;
        Instant rollbackAt;
        String circuitBreaker = "MONITORING";
        int failures;
        String alarmStatus = "DISABLED";
        List<String> alarmNames = List.of();
        List<String> triggered = new ArrayList<>();
        Instant alarmSeenAt;
        Instant alarmsReadAt;
        int desired;

        boolean running() {
            return Set.of("PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS")
                    .contains(status);
        }
    }

    public EcsServiceDeploymentFront(String motoUrl, int port, Supplier<Instant> clock, Duration minute) {
        this.proxy = new MotoForwarder(motoUrl);
        this.moto = proxy.moto();
        this.clock = clock;
        this.minute = minute;
        this.defaultMinute = minute;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on port " + port, e);
        }
        server.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "ecs-service-deployment-front");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** On a free loopback port in front of moto, on {@code clock}, with 60-second minutes. */
    public static EcsServiceDeploymentFront start(String motoUrl, Supplier<Instant> clock) {
        return new EcsServiceDeploymentFront(motoUrl, 0, clock, Duration.ofMinutes(1));
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public EcsServiceDeploymentFront timing(Timing t) {
        this.timing = t;
        return this;
    }

    /** How long one of ECS's minutes (canary, linear and bake times) lasts here; 60 s unless a demo shortens it. */
    public EcsServiceDeploymentFront minute(Duration m) {
        this.minute = m;
        return this;
    }

    /** The next deployment of {@code service} ends this way (the circuit breaker: its new tasks keep failing). */
    public EcsServiceDeploymentFront nextDeployment(String service, Ending ending) {
        nextEnding.put(service, ending);
        return this;
    }

    /** From now on the production rule gets {@code points} more for the new revision than ECS reports asking. */
    public EcsServiceDeploymentFront skewProductionWeights(double points) {
        this.skew = points;
        return this;
    }

    /** The operations the step sent (through this front) since the last reset or {@link #startCounting()}. */
    public List<String> calls() {
        synchronized (journal) {
            return List.copyOf(journal);
        }
    }

    /** Of those, the ones that change something (as MotoServer judges them). */
    public List<String> mutating() {
        return calls().stream().filter(op -> MotoServer.mutating(op, "POST")).toList();
    }

    public long count(String operation) {
        return calls().stream().filter(operation::equals).count();
    }

    public void startCounting() {
        journal.clear();
    }

    /** The service deployments started so far, oldest first: ARN and status. */
    public synchronized Map<String, String> deploymentStatuses() {
        advance();
        Map<String, String> m = new LinkedHashMap<>();
        deployments.forEach(d -> m.put(d.arn, d.status));
        return m;
    }

    /** Forgets every deployment (call between tests, after moto's reset). */
    public synchronized void reset() {
        deployments.clear();
        revisions.clear();
        configs.clear();
        nextEnding.clear();
        journal.clear();
        timing = Timing.standard();
        minute = defaultMinute;
        skew = 0;
    }

    @Override
    public void close() {
        server.stop(0);
        elbs.values().forEach(ElasticLoadBalancingV2Client::close);
        cws.values().forEach(CloudWatchClient::close);
        ecss.values().forEach(EcsClient::close);
    }

    // ---------------------------------------------------------------- HTTP

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
            String op = target != null ? target.substring(target.lastIndexOf('.') + 1)
                    : form(new String(body, StandardCharsets.UTF_8)).getOrDefault("Action",
                    ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
            if (!ex.getRequestURI().getPath().startsWith("/moto-api")) {
                journal.add(op);
            }
            synchronized (this) {
                advance();
            }
            if (target != null && target.startsWith(PREFIX)) {
                JsonNode in = body.length == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(body);
                switch (op) {
                    case "ListServiceDeployments" -> {
                        json(ex, 200, listDeployments(in));
                        return;
                    }
                    case "DescribeServiceDeployments" -> {
                        json(ex, 200, describeDeployments(in));
                        return;
                    }
                    case "DescribeServiceRevisions" -> {
                        json(ex, 200, describeRevisions(in));
                        return;
                    }
                    case "StopServiceDeployment" -> {
                        stop(ex, in);
                        return;
                    }
                    case "UpdateService" -> {
                        updateService(ex, body, in);
                        return;
                    }
                    case "CreateService" -> {
                        createService(ex, body, in);
                        return;
                    }
                    default -> {
                        // forwarded below
                    }
                }
            }
            HttpResponse<byte[]> r = proxy.forward(ex, body);
            byte[] out = r.body();
            if ("DescribeServices".equals(op) && r.statusCode() == 200) {
                JsonNode root = Json.MAPPER.readTree(out);
                synchronized (this) {
                    for (JsonNode s : root.path("services")) {
                        present((ObjectNode) s);
                    }
                }
                out = Json.MAPPER.writeValueAsBytes(root);
            }
            reply(ex, r.statusCode(), r.headers().firstValue("Content-Type").orElse("application/octet-stream"), out);
        } catch (RuntimeException | InterruptedException e) {
            reply(ex, 500, "text/plain", ("service deployment front: " + e).getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void reply(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        MotoForwarder.reply(ex, status, type, body, "service-deployment-front");
    }

    private static void json(HttpExchange ex, int status, JsonNode body) throws IOException {
        reply(ex, status, "application/x-amz-json-1.1", Json.MAPPER.writeValueAsBytes(body));
    }

    private static void error(HttpExchange ex, String type, String message) throws IOException {
        ObjectNode e = Json.MAPPER.createObjectNode();
        e.put("__type", type);
        e.put("message", message);
        json(ex, 400, e);
    }

    private static Map<String, String> form(String body) {
        return MotoForwarder.form(body);
    }

    // ---------------------------------------------------------------- UpdateService starts a deployment

    private void createService(HttpExchange ex, byte[] body, JsonNode in) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = proxy.forward(ex, body);
        byte[] out = r.body();
        if (r.statusCode() == 200 && in.has("deploymentConfiguration")) {
            ObjectNode root = (ObjectNode) Json.MAPPER.readTree(out);
            configs.put(root.path("service").path("serviceArn").asText(), in.get("deploymentConfiguration"));
            ((ObjectNode) root.path("service")).set("deploymentConfiguration", in.get("deploymentConfiguration"));
            out = Json.MAPPER.writeValueAsBytes(root);
        }
        reply(ex, r.statusCode(), r.headers().firstValue("Content-Type").orElse("application/x-amz-json-1.1"), out);
    }

    private void updateService(HttpExchange ex, byte[] body, JsonNode in) throws IOException, InterruptedException {
        String region = regionOf(ex);
        String cluster = in.path("cluster").asText("default");
        String name = in.path("service").asText();
        JsonNode before = motoService(region, cluster, name);
        HttpResponse<byte[]> r = proxy.forward(ex, body);
        if (r.statusCode() != 200 || before == null) {
            reply(ex, r.statusCode(), r.headers().firstValue("Content-Type").orElse("application/x-amz-json-1.1"),
                    r.body());
            return;
        }
        ObjectNode root = (ObjectNode) Json.MAPPER.readTree(r.body());
        ObjectNode after = (ObjectNode) root.path("service");
        if (in.has("deploymentConfiguration")) {
            configs.put(after.path("serviceArn").asText(), in.get("deploymentConfiguration"));
        }
        JsonNode known = configs.get(after.path("serviceArn").asText());
        if (known != null) {
            after.set("deploymentConfiguration", known);
        }
        String strategy = after.path("deploymentConfiguration").path("strategy").asText("ROLLING");
        String oldTd = arnOf(region, before.path("taskDefinition").asText());
        String newTd = arnOf(region, after.path("taskDefinition").asText());
        boolean changed = !oldTd.equals(newTd) || in.path("forceNewDeployment").asBoolean(false);
        if (Set.of("BLUE_GREEN", "CANARY", "LINEAR").contains(strategy) && changed) {
            synchronized (this) {
                begin(region, before, after, oldTd, newTd);
            }
        }
        synchronized (this) {
            present(after);
        }
        json(ex, 200, root);
    }

    private void begin(String region, JsonNode before, ObjectNode after, String oldTd, String newTd) {
        Instant now = clock.get();
        for (Dep d : deployments) {
            if (d.serviceArn.equals(after.path("serviceArn").asText()) && d.running()) {
                // GUESS: a new UpdateService supersedes a deployment in progress.
                d.status = "STOPPED";
                d.statusReason = "Superseded by a newer service deployment.";
                d.stoppedAt = now;
                d.finishedAt = now;
            }
        }
        Dep d = new Dep();
        d.region = region;
        d.serviceArn = after.path("serviceArn").asText();
        d.clusterArn = after.path("clusterArn").asText();
        d.serviceName = after.path("serviceName").asText();
        String[] parts = d.serviceArn.split(":");
        String clusterName = d.clusterArn.substring(d.clusterArn.lastIndexOf('/') + 1);
        d.arn = "arn:aws:ecs:" + parts[3] + ":" + parts[4] + ":service-deployment/" + clusterName + "/"
                + d.serviceName + "/" + UUID.randomUUID().toString().replace("-", "").substring(0, 22);
        d.source = revision(d, oldTd, before.path("loadBalancers"), now);
        d.target = revision(d, newTd, after.path("loadBalancers"), now);
        d.config = after.path("deploymentConfiguration").deepCopy();
        d.createdAt = now;
        d.startedAt = now;
        d.updatedAt = now;
        d.desired = after.path("desiredCount").asInt();
        JsonNode adv = after.path("loadBalancers").path(0).path("advancedConfiguration");
        d.productionRule = adv.path("productionListenerRule").asText(null);
        d.testRule = adv.path("testListenerRule").asText(null);
        String primary = after.path("loadBalancers").path(0).path("targetGroupArn").asText();
        String alternate = adv.path("alternateTargetGroupArn").asText();
        // The revision serving production keeps its target group; the new one gets the other.
        d.oldTg = share(d, primary) >= 50 ? primary : alternate;
        d.newTg = d.oldTg.equals(primary) ? alternate : primary;
        JsonNode alarms = d.config.path("alarms");
        if (alarms.path("enable").asBoolean(false)) {
            d.alarmStatus = "MONITORING";
            List<String> names = new ArrayList<>();
            alarms.path("alarmNames").forEach(n -> names.add(n.asText()));
            d.alarmNames = names;
        }
        Ending ending = nextEnding.remove(d.serviceName);
        schedule(d, now, ending == null ? Ending.SUCCEEDS : ending);
        deployments.add(d);
        advance();
    }

    private Rev revision(Dep d, String td, JsonNode lbs, Instant now) {
        for (Rev r : revisions.values()) {
            if (r.serviceArn().equals(d.serviceArn) && r.taskDefinition().equals(td)) {
                return r;
            }
        }
        String[] parts = d.serviceArn.split(":");
        String clusterName = d.clusterArn.substring(d.clusterArn.lastIndexOf('/') + 1);
        String arn = "arn:aws:ecs:" + parts[3] + ":" + parts[4] + ":service-revision/" + clusterName + "/"
                + d.serviceName + "/" + (4_000_000_000L + ++revisionNumbers);
        Rev r = new Rev(arn, d.serviceArn, d.clusterArn, td, lbs.deepCopy(), now);
        revisions.put(arn, r);
        return r;
    }

    /** ECS's documented stages, on this front's clock (durations: GUESS, see {@link Timing}). */
    private void schedule(Dep d, Instant t0, Ending ending) {
        Timing tm = timing;
        Instant t = t0;
        List<Step> s = d.schedule;
        s.add(new Step(t, "RECONCILE_SERVICE", null, null, "IN_PROGRESS"));
        t = t.plus(tm.reconcile());
        s.add(new Step(t, "PRE_SCALE_UP", null, null, "IN_PROGRESS"));
        t = t.plus(tm.preScaleUp());
        s.add(new Step(t, "SCALE_UP", null, null, "IN_PROGRESS"));
        t = t.plus(tm.scaleUp());
        if (ending == Ending.CIRCUIT_BREAKER) {
            s.add(new Step(t, "SCALE_UP", null, null, "CIRCUIT_BREAKER"));
            return;
        }
        s.add(new Step(t, "POST_SCALE_UP", null, null, "IN_PROGRESS"));
        t = t.plus(tm.postScaleUp());
        if (d.testRule != null) {
            s.add(new Step(t, "TEST_TRAFFIC_SHIFT", null, 100.0, "IN_PROGRESS"));
            t = t.plus(tm.testShift());
            s.add(new Step(t, "POST_TEST_TRAFFIC_SHIFT", null, null, "IN_PROGRESS"));
            t = t.plus(tm.testShift());
        }
        JsonNode c = d.config;
        String strategy = c.path("strategy").asText();
        if ("CANARY".equals(strategy)) {
            double p = c.path("canaryConfiguration").path("canaryPercent").asDouble(5.0);
            int m = c.path("canaryConfiguration").path("canaryBakeTimeInMinutes").asInt(10);
            s.add(new Step(t, "PRODUCTION_TRAFFIC_SHIFT", p, null, "IN_PROGRESS"));
            t = t.plus(minute.multipliedBy(m));
        } else if ("LINEAR".equals(strategy)) {
            double p = c.path("linearConfiguration").path("stepPercent").asDouble(10.0);
            int m = c.path("linearConfiguration").path("stepBakeTimeInMinutes").asInt(6);
            for (double w = p; w < 100 - 1e-9; w += p) {
                s.add(new Step(t, "PRODUCTION_TRAFFIC_SHIFT", Math.round(w * 10) / 10.0, null, "IN_PROGRESS"));
                t = t.plus(minute.multipliedBy(m));
            }
        }
        s.add(new Step(t, "PRODUCTION_TRAFFIC_SHIFT", 100.0, null, "IN_PROGRESS"));
        t = t.plusSeconds(2);
        s.add(new Step(t, "POST_PRODUCTION_TRAFFIC_SHIFT", null, null, "IN_PROGRESS"));
        t = t.plus(tm.postProductionShift());
        s.add(new Step(t, "BAKE_TIME", null, null, "IN_PROGRESS"));
        t = t.plus(minute.multipliedBy(c.path("bakeTimeInMinutes").asInt(0)));
        s.add(new Step(t, "CLEAN_UP", null, null, "IN_PROGRESS"));
        t = t.plus(tm.cleanUp());
        s.add(new Step(t, "CLEAN_UP", null, null, "SUCCESSFUL"));
    }

    // ---------------------------------------------------------------- time moves the deployments on

    /** Applies every step of every deployment that is due; called before each request is answered. */
    private void advance() {
        Instant now = clock.get();
        for (Dep d : deployments) {
            while (d.next < d.schedule.size() && !d.schedule.get(d.next).at().isAfter(now)) {
                apply(d, d.schedule.get(d.next++));
            }
            if (d.running() && !d.status.startsWith("ROLLBACK") && !d.alarmNames.isEmpty()) {
                ecsAlarms(d, now);
            }
        }
    }

    private void apply(Dep d, Step s) {
        d.updatedAt = s.at();
        switch (s.status()) {
            case "CIRCUIT_BREAKER" -> {
                d.circuitBreaker = "TRIGGERED";
                d.failures = 3;
                rollback(d, s.at(), "ECS deployment circuit breaker: 3 tasks of the new revision failed to start "
                        + "(essential container myapp exited).");
                return;
            }
            case "ROLLBACK_IN_PROGRESS" -> {
                d.status = "ROLLBACK_IN_PROGRESS";
                return;
            }
            case "ROLLBACK_SUCCESSFUL" -> {
                d.status = "ROLLBACK_SUCCESSFUL";
                d.statusReason = "Rolled back to " + d.source.arn() + ".";
                d.finishedAt = s.at();
                d.newPercent = 0;
                // The service runs the source revision again: moto's service says so too (GUESS on what ECS shows).
                String cluster = d.clusterArn.substring(d.clusterArn.lastIndexOf('/') + 1);
                ecs(d.region).updateService(b -> b.cluster(cluster).service(d.serviceName)
                        .taskDefinition(d.source.taskDefinition()));
                return;
            }
            default -> {
                // a stage, or SUCCESSFUL
            }
        }
        d.status = s.status();
        d.stage = s.stage();
        if (s.testPercent() != null && d.testRule != null) {
            weigh(d, d.testRule, s.testPercent());
        }
        if (s.newPercent() != null) {
            d.newPercent = s.newPercent();
            weigh(d, d.productionRule, Math.min(100, s.newPercent() + skew));
        }
        if ("SUCCESSFUL".equals(s.status())) {
            d.finishedAt = s.at();
            d.statusReason = "Service deployment completed.";
            if (!"DISABLED".equals(d.alarmStatus)) {
                d.alarmStatus = "MONITORING_COMPLETE";
            }
            d.circuitBreaker = "MONITORING_COMPLETE";
        }
    }

    /** ECS's alarm rollback: it acts some time after it sees ALARM (GUESS: Timing.ecsAlarmDelay). */
    private void ecsAlarms(Dep d, Instant now) {
        if (d.alarmsReadAt != null && now.isBefore(d.alarmsReadAt.plusSeconds(10))) {
            return;
        }
        d.alarmsReadAt = now;
        List<String> firing = new ArrayList<>();
        cw(d.region).describeAlarms(b -> b.alarmNames(d.alarmNames)).metricAlarms().forEach(a -> {
            if ("ALARM".equals(a.stateValueAsString())) {
                firing.add(a.alarmName());
            }
        });
        if (firing.isEmpty()) {
            d.alarmSeenAt = null;
            return;
        }
        if (d.alarmSeenAt == null) {
            d.alarmSeenAt = now;
        }
        if (!now.isBefore(d.alarmSeenAt.plus(timing.ecsAlarmDelay()))) {
            d.alarmStatus = "TRIGGERED";
            d.triggered = firing;
            rollback(d, now, "CloudWatch alarm(s) " + String.join(", ", firing) + " in ALARM during the deployment.");
        }
    }

    /** A rollback: production back to the source revision at once (GUESS: first step), then the clean-up. */
    private void rollback(Dep d, Instant at, String reason) {
        d.status = "ROLLBACK_REQUESTED";
        d.statusReason = reason;
        d.rollbackReason = reason;
        d.rollbackAt = at;
        d.schedule = new ArrayList<>(d.schedule.subList(0, d.next));
        if (d.newPercent > 0) {
            weigh(d, d.productionRule, 0);
        }
        if (d.testRule != null) {
            weigh(d, d.testRule, 0);
        }
        d.newPercent = 0;
        d.schedule.add(new Step(at.plusSeconds(1), d.stage, null, null, "ROLLBACK_IN_PROGRESS"));
        d.schedule.add(new Step(at.plus(timing.rollback()), d.stage, null, null, "ROLLBACK_SUCCESSFUL"));
        d.next = d.schedule.size() - 2;
    }

    /**
     * Writes the weights ECS would write: the new revision's percent and the rest (GUESS: ECS's exact weights are
     * not documented; whole percents are written as they are, a tenth of a percent on a 0-999 scale).
     */
    private void weigh(Dep d, String ruleArn, double newPercent) {
        boolean whole = newPercent == Math.rint(newPercent);
        int newWeight = (int) Math.round(whole ? newPercent : newPercent * 10);
        int oldWeight = (int) Math.round(whole ? 100 - newPercent : (100 - newPercent) * 10);
        ElasticLoadBalancingV2Client elb = elb(d.region);
        List<Action> actions = elb.describeRules(b -> b.ruleArns(ruleArn)).rules().get(0).actions();
        List<Action> next = new ArrayList<>();
        for (Action a : actions) {
            next.add(a.type() != ActionTypeEnum.FORWARD ? a : Action.builder().type(ActionTypeEnum.FORWARD)
                    .order(a.order()).forwardConfig(f -> f.targetGroups(
                            TargetGroupTuple.builder().targetGroupArn(d.oldTg).weight(oldWeight).build(),
                            TargetGroupTuple.builder().targetGroupArn(d.newTg).weight(newWeight).build())).build());
        }
        elb.modifyRule(b -> b.ruleArn(ruleArn).actions(next));
    }

    /** The production share of {@code tg} on the service's production rule, read from moto. */
    private double share(Dep d, String tg) {
        if (d.productionRule == null) {
            return 0;
        }
        Action a = elb(d.region).describeRules(b -> b.ruleArns(d.productionRule)).rules().get(0).actions().stream()
                .filter(x -> x.type() == ActionTypeEnum.FORWARD).findFirst().orElseThrow();
        int total = 0;
        int mine = 0;
        for (TargetGroupTuple t : a.forwardConfig().targetGroups()) {
            int w = t.weight() == null ? 1 : t.weight();
            total += w;
            mine += t.targetGroupArn().equals(tg) ? w : 0;
        }
        return total == 0 ? 0 : mine * 100.0 / total;
    }

    // ---------------------------------------------------------------- the service deployment APIs

    private synchronized JsonNode listDeployments(JsonNode in) {
        String service = in.path("service").asText();
        String cluster = in.path("cluster").asText("default");
        Set<String> statuses = new java.util.HashSet<>();
        in.path("status").forEach(s -> statuses.add(s.asText()));
        ArrayNode list = Json.MAPPER.createArrayNode();
        List<Dep> newestFirst = new ArrayList<>(deployments);
        Collections.reverse(newestFirst);
        for (Dep d : newestFirst) {
            boolean serviceMatches = d.serviceArn.equals(service) || d.serviceName.equals(service);
            boolean clusterMatches = d.clusterArn.equals(cluster) || d.clusterArn.endsWith("/" + cluster);
            if (serviceMatches && clusterMatches && (statuses.isEmpty() || statuses.contains(d.status))) {
                ObjectNode b = list.addObject();
                b.put("serviceDeploymentArn", d.arn);
                b.put("serviceArn", d.serviceArn);
                b.put("clusterArn", d.clusterArn);
                time(b, "startedAt", d.startedAt);
                time(b, "createdAt", d.createdAt);
                time(b, "finishedAt", d.finishedAt);
                b.put("targetServiceRevisionArn", d.target.arn());
                b.put("status", d.status);
                if (d.statusReason != null) {
                    b.put("statusReason", d.statusReason);
                }
            }
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("serviceDeployments", list);
        return out;
    }

    private synchronized JsonNode describeDeployments(JsonNode in) {
        ArrayNode found = Json.MAPPER.createArrayNode();
        ArrayNode failures = Json.MAPPER.createArrayNode();
        for (JsonNode a : in.path("serviceDeploymentArns")) {
            Dep d = find(a.asText());
            if (d == null) {
                ObjectNode f = failures.addObject();
                f.put("arn", a.asText());
                f.put("reason", "MISSING");
                continue;
            }
            ObjectNode o = found.addObject();
            o.put("serviceDeploymentArn", d.arn);
            o.put("serviceArn", d.serviceArn);
            o.put("clusterArn", d.clusterArn);
            time(o, "createdAt", d.createdAt);
            time(o, "startedAt", d.startedAt);
            time(o, "finishedAt", d.finishedAt);
            time(o, "stoppedAt", d.stoppedAt);
            time(o, "updatedAt", d.updatedAt);
            ArrayNode sources = o.putArray("sourceServiceRevisions");
            sources.add(summary(d.source, 100 - d.newPercent, d.desired, "CLEAN_UP".equals(d.stage)
                    && "SUCCESSFUL".equals(d.status) ? 0 : d.desired));
            o.set("targetServiceRevision", summary(d.target, d.newPercent, d.desired, runningNew(d)));
            o.put("status", d.status);
            if (d.statusReason != null) {
                o.put("statusReason", d.statusReason);
            }
            if (d.stage != null) {
                o.put("lifecycleStage", d.stage);
            }
            o.set("deploymentConfiguration", d.config);
            if (d.rollbackReason != null) {
                ObjectNode r = o.putObject("rollback");
                r.put("reason", d.rollbackReason);
                time(r, "startedAt", d.rollbackAt);
                r.put("serviceRevisionArn", d.source.arn());
            }
            ObjectNode cb = o.putObject("deploymentCircuitBreaker");
            cb.put("status", d.circuitBreaker);
            cb.put("failureCount", d.failures);
            cb.put("threshold", 3);
            ObjectNode al = o.putObject("alarms");
            al.put("status", d.alarmStatus);
            ArrayNode names = al.putArray("alarmNames");
            d.alarmNames.forEach(names::add);
            ArrayNode trig = al.putArray("triggeredAlarmNames");
            d.triggered.forEach(trig::add);
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("serviceDeployments", found);
        out.set("failures", failures);
        return out;
    }

    private static int runningNew(Dep d) {
        if (d.stage == null || Set.of("RECONCILE_SERVICE", "PRE_SCALE_UP").contains(d.stage)
                || "ROLLBACK_SUCCESSFUL".equals(d.status)) {
            return 0;
        }
        return "SCALE_UP".equals(d.stage) ? d.desired / 2 : d.desired;
    }

    private static ObjectNode summary(Rev r, double production, int requested, int running) {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("arn", r.arn());
        s.put("requestedTaskCount", requested);
        s.put("runningTaskCount", running);
        s.put("pendingTaskCount", Math.max(0, requested - running));
        s.put("requestedTestTrafficWeight", production > 0 ? 100.0 : 0.0);
        s.put("requestedProductionTrafficWeight", production);
        return s;
    }

    private synchronized JsonNode describeRevisions(JsonNode in) {
        ArrayNode found = Json.MAPPER.createArrayNode();
        ArrayNode failures = Json.MAPPER.createArrayNode();
        for (JsonNode a : in.path("serviceRevisionArns")) {
            Rev r = revisions.get(a.asText());
            if (r == null) {
                ObjectNode f = failures.addObject();
                f.put("arn", a.asText());
                f.put("reason", "MISSING");
                continue;
            }
            ObjectNode o = found.addObject();
            o.put("serviceRevisionArn", r.arn());
            o.put("serviceArn", r.serviceArn());
            o.put("clusterArn", r.clusterArn());
            o.put("taskDefinition", r.taskDefinition());
            o.set("loadBalancers", r.loadBalancers());
            time(o, "createdAt", r.createdAt());
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("serviceRevisions", found);
        out.set("failures", failures);
        return out;
    }

    private void stop(HttpExchange ex, JsonNode in) throws IOException {
        String arn = in.path("serviceDeploymentArn").asText();
        String type = in.path("stopType").asText("ROLLBACK");
        synchronized (this) {
            Dep d = find(arn);
            if (d == null) {
                error(ex, "ServiceDeploymentNotFoundException", "The service deployment " + arn + " does not exist.");
                return;
            }
            if (!"ROLLBACK".equals(type)) {
                // GUESS: the reference lists ABORT among the values but documents only ROLLBACK as valid.
                error(ex, "InvalidParameterException", "stopType " + type + " is not supported; use ROLLBACK.");
                return;
            }
            if (!d.running()) {
                // GUESS: the error ECS gives for a deployment that has already ended.
                error(ex, "ConflictException", "The service deployment is " + d.status + " and cannot be stopped.");
                return;
            }
            if (!d.status.startsWith("ROLLBACK")) {
                rollback(d, clock.get(), "Rollback requested by StopServiceDeployment.");
            }
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("serviceDeploymentArn", arn);
        json(ex, 200, out);
    }

    /** DescribeServices/UpdateService answers as ECS shows a service with a native deployment. */
    private void present(ObjectNode s) {
        String serviceArn = s.path("serviceArn").asText();
        JsonNode config = configs.get(serviceArn);
        if (config != null) {
            s.set("deploymentConfiguration", config);
        }
        Dep latest = null;
        for (Dep d : deployments) {
            if (d.serviceArn.equals(serviceArn)) {
                latest = d;
            }
        }
        if (latest == null) {
            return;
        }
        s.put("currentServiceDeployment", latest.arn);
        String region = latest.region;
        boolean rolledBack = latest.status.startsWith("ROLLBACK");
        String primaryTd = rolledBack ? latest.source.taskDefinition() : latest.target.taskDefinition();
        s.put("taskDefinition", arnOf(region, primaryTd));
        ArrayNode deps = Json.MAPPER.createArrayNode();
        ObjectNode primary = deps.addObject();
        primary.put("id", "ecs-svc/" + Math.abs(latest.arn.hashCode()));
        primary.put("status", "PRIMARY");
        primary.put("taskDefinition", primaryTd);
        primary.put("desiredCount", latest.desired);
        int running = rolledBack ? latest.desired : runningNew(latest);
        primary.put("runningCount", running);
        primary.put("pendingCount", Math.max(0, latest.desired - running));
        primary.put("failedTasks", latest.failures);
        primary.put("rolloutState", latest.running() ? "IN_PROGRESS" : "SUCCESSFUL".equals(latest.status)
                || "ROLLBACK_SUCCESSFUL".equals(latest.status) ? "COMPLETED" : "FAILED");
        if (latest.running() && !rolledBack) {
            ObjectNode active = deps.addObject();
            active.put("id", "ecs-svc/" + Math.abs(latest.source.arn().hashCode()));
            active.put("status", "ACTIVE");
            active.put("taskDefinition", latest.source.taskDefinition());
            active.put("desiredCount", latest.desired);
            active.put("runningCount", latest.desired);
            active.put("pendingCount", 0);
            active.put("failedTasks", 0);
            active.put("rolloutState", "COMPLETED");
        }
        s.set("deployments", deps);
        s.put("runningCount", running);
    }

    private Dep find(String arn) {
        return deployments.stream().filter(d -> d.arn.equals(arn)).findFirst().orElse(null);
    }

    private static void time(ObjectNode o, String field, Instant t) {
        if (t != null) {
            o.put(field, t.toEpochMilli() / 1000.0);
        }
    }

    // ---------------------------------------------------------------- moto, directly

    private JsonNode motoService(String region, String cluster, String name) {
        var found = ecs(region).describeServices(b -> b.cluster(cluster).services(name)).services();
        if (found.isEmpty()) {
            return null;
        }
        var s = found.get(0);
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("taskDefinition", s.taskDefinition());
        o.set("loadBalancers", Json.MAPPER.valueToTree(s.loadBalancers().stream().map(l -> Map.of(
                "targetGroupArn", String.valueOf(l.targetGroupArn()))).toList()));
        return o;
    }

    /** moto keeps a task definition as given ("myapp:2" or an ARN); ECS shows ARNs. */
    private String arnOf(String region, String td) {
        if (td.startsWith("arn:")) {
            return td;
        }
        return ecs(region).describeTaskDefinition(b -> b.taskDefinition(td)).taskDefinition().taskDefinitionArn();
    }

    private static String regionOf(HttpExchange ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Credential=[^/]+/\\d+/([^/]+)/").matcher(auth);
            if (m.find()) {
                return m.group(1);
            }
        }
        return "us-east-1";
    }

    private ElasticLoadBalancingV2Client elb(String region) {
        return elbs.computeIfAbsent(region, r -> AwsClients.elasticLoadBalancingV2(moto, r));
    }

    private CloudWatchClient cw(String region) {
        return cws.computeIfAbsent(region, r -> AwsClients.cloudWatch(moto, r));
    }

    private EcsClient ecs(String region) {
        return ecss.computeIfAbsent(region, r -> AwsClients.ecs(moto, r));
    }

    /** The demo's simulator: {@code PORT MOTO_URL [MINUTE]}; runs until killed. */
    public static void main(String[] args) throws InterruptedException {
        if (args.length < 2) {
            System.err.println("usage: EcsServiceDeploymentFront PORT MOTO_URL [MINUTE, e.g. 10s]");
            System.exit(2);
        }
        Duration minute = args.length > 2 ? dev.awsdeploy.run.Durations.parse(args[2]) : Duration.ofMinutes(1);
        EcsServiceDeploymentFront f = new EcsServiceDeploymentFront(args[1], Integer.parseInt(args[0]), Instant::now,
                minute);
        double scale = minute.toMillis() / 60_000.0;
        Timing t = Timing.standard();
        f.timing(new Timing(scaled(t.reconcile(), scale), scaled(t.preScaleUp(), scale), scaled(t.scaleUp(), scale),
                scaled(t.postScaleUp(), scale), scaled(t.testShift(), scale), scaled(t.postProductionShift(), scale),
                scaled(t.cleanUp(), scale), scaled(t.rollback(), scale), scaled(t.ecsAlarmDelay(), scale)));
        System.err.println("ECS service deployment simulator on " + f.url() + " in front of " + args[1]);
        Thread.currentThread().join();
    }

    private static Duration scaled(Duration d, double scale) {
        return Duration.ofMillis(Math.max(200, Math.round(d.toMillis() * scale)));
    }
}
