package dev.awsdeploy.ecs;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.ecs.model.Deployment;
import software.amazon.awssdk.services.ecs.model.DeploymentRolloutState;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthDescription;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthStateEnum;

/**
 * Is a colour ready for traffic? Three proofs, cheapest last: the service's primary deployment runs <em>our</em>
 * task definition with running = desired and its rollout COMPLETED (ECS rolling it back by itself is a failure,
 * never a success); every target in its target group is healthy, and at least as many as desired; the health URL
 * answers 2xx.
 */
public final class StandbyHealth {

    public enum Verdict { WAITING, READY, FAILED }

    /** What the service's deployments say. */
    public record Rollout(Verdict verdict, int running, int desired, String message) {
    }

    /** What the target group says. */
    public record Targets(Verdict verdict, int healthy, int total, String message) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NORMAL).build();

    private StandbyHealth() {
    }

    /** Judges one DescribeServices answer for the service that should run {@code taskDefinitionArn}. */
    public static Rollout rollout(Service s, String taskDefinitionArn) {
        String name = s.serviceName();
        Deployment primary = s.deployments().stream().filter(d -> "PRIMARY".equals(d.status())).findFirst()
                .orElse(null);
        if (!taskDefinitionArn.equals(s.taskDefinition())) {
            return new Rollout(Verdict.FAILED, 0, s.desiredCount(), "ECS rolled " + name + " back to "
                    + TaskDefinitionSource.shortName(s.taskDefinition()) + " instead of running "
                    + TaskDefinitionSource.shortName(taskDefinitionArn) + " (deployment circuit breaker, or "
                    + "another deploy changed the service)");
        }
        if (primary == null) {
            return new Rollout(Verdict.WAITING, s.runningCount(), s.desiredCount(), name + ": no primary deployment yet");
        }
        int running = primary.runningCount() == null ? 0 : primary.runningCount();
        int desired = primary.desiredCount() == null ? s.desiredCount() : primary.desiredCount();
        if (!taskDefinitionArn.equals(primary.taskDefinition())) {
            boolean ours = s.deployments().stream().anyMatch(d -> taskDefinitionArn.equals(d.taskDefinition()));
            return new Rollout(ours ? Verdict.FAILED : Verdict.WAITING, 0, desired, ours
                    ? "ECS made " + TaskDefinitionSource.shortName(primary.taskDefinition()) + " primary again on "
                    + name + ": the new version was rolled back"
                    : name + ": waiting for the deployment of " + TaskDefinitionSource.shortName(taskDefinitionArn)
                    + " to become primary");
        }
        if (primary.rolloutState() == DeploymentRolloutState.FAILED) {
            return new Rollout(Verdict.FAILED, running, desired, "ECS reports the rollout of "
                    + TaskDefinitionSource.shortName(taskDefinitionArn) + " on " + name + " FAILED: "
                    + primary.rolloutStateReason());
        }
        int failed = primary.failedTasks() == null ? 0 : primary.failedTasks();
        String msg = name + " running " + running + "/" + desired + " (rollout " + (primary.rolloutState() == null
                ? "?" : primary.rolloutStateAsString()) + (failed > 0 ? ", " + failed + " tasks failed" : "") + ")";
        boolean others = s.deployments().size() > 1;
        boolean done = running == desired && desired == s.desiredCount()
                && (primary.rolloutState() == null || primary.rolloutState() == DeploymentRolloutState.COMPLETED)
                && !others;
        return new Rollout(done ? Verdict.READY : Verdict.WAITING, running, desired, msg);
    }

    /** Reads the target group: every target healthy and at least {@code desired} of them. */
    public static Targets targets(ElasticLoadBalancingV2Client elb, String targetGroupArn, int desired) {
        List<TargetHealthDescription> all = elb.describeTargetHealth(b -> b.targetGroupArn(targetGroupArn))
                .targetHealthDescriptions();
        int healthy = 0;
        List<String> bad = new ArrayList<>();
        int counted = 0;
        for (TargetHealthDescription t : all) {
            TargetHealthStateEnum state = t.targetHealth() == null ? null : t.targetHealth().state();
            if (state == TargetHealthStateEnum.DRAINING) {
                continue;
            }
            counted++;
            if (state == TargetHealthStateEnum.HEALTHY) {
                healthy++;
            } else {
                bad.add(t.target().id() + " " + (state == null ? "unknown" : state.toString())
                        + (t.targetHealth() != null && t.targetHealth().description() != null
                        ? " (" + t.targetHealth().description() + ")" : ""));
            }
        }
        String group = targetGroupArn.replaceAll(".*:targetgroup/([^/]+)/.*", "$1");
        String msg = "targets healthy " + healthy + "/" + Math.max(desired, counted) + " in " + group
                + (bad.isEmpty() ? "" : ": " + String.join(", ", bad));
        Verdict v = bad.isEmpty() && healthy >= desired ? Verdict.READY : Verdict.WAITING;
        return new Targets(v, healthy, counted, msg);
    }

    /** One GET of the health URL: null when it answered 2xx, else what went wrong. */
    public static String probe(String url) {
        try {
            URI uri = URI.create(url);
            HttpRequest.Builder req = HttpRequest.newBuilder().timeout(Duration.ofSeconds(5)).GET();
            if (uri.getRawUserInfo() != null) {
                // user:password@host is sent as basic auth (the password is a known secret of the run)
                req.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                        java.net.URLDecoder.decode(uri.getRawUserInfo(), java.nio.charset.StandardCharsets.UTF_8)
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                uri = new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), uri.getQuery(),
                        null);
            }
            HttpResponse<Void> r = HTTP.send(req.uri(uri).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() / 100 == 2 ? null : "answered HTTP " + r.statusCode();
        } catch (IOException e) {
            return "did not answer (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": "
                    + e.getMessage()) + ")";
        } catch (java.net.URISyntaxException e) {
            return "is not a usable URL (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "probe interrupted";
        }
    }
}
