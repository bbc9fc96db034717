package dev.awsdeploy.codedeploy;

import dev.awsdeploy.run.BadInputException;
import dev.awsdeploy.run.Durations;
import dev.awsdeploy.run.Outcome;
import dev.awsdeploy.run.StateStore;
import dev.awsdeploy.run.StepFailedException;
import dev.awsdeploy.run.StepResult;
import dev.awsdeploy.run.StepRun;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.codedeploy.CodeDeployClient;
import software.amazon.awssdk.services.codedeploy.model.DeploymentGroupInfo;
import software.amazon.awssdk.services.codedeploy.model.DeploymentInfo;
import software.amazon.awssdk.services.codedeploy.model.DeploymentIsNotInReadyStateException;
import software.amazon.awssdk.services.codedeploy.model.DeploymentWaitType;

/**
 * {@code action: 'promote'} and {@code action: 'abort'}: finish a deployment an earlier run left waiting at Ready
 * ({@code awaitPromotion}). The deployment is found in CodeDeploy — the group's deployment at Ready — never in local
 * files, so a later stage, another agent or a restarted controller can finish it. Promote continues it
 * (ContinueDeployment) and follows it to its end as a deploy does; abort stops it with rollback and follows the
 * rollback.
 */
final class Promotion {
    private Promotion() {
    }

    static StepResult act(CodeDeployClient cd, DeploymentRequest req, DeploymentGroupInfo group, String platform,
                          StepRun run, DeploymentWait machine, StateStore<DeploymentWait.State> store,
                          boolean dryRun) {
        List<DeploymentInfo> active = GroupWait.active(cd, req);
        DeploymentInfo ready = active.stream().filter(d -> "Ready".equals(d.statusAsString())).findFirst()
                .orElseThrow(() -> nothingAwaits(cd, req, group, active));
        String asked = asked(req);
        if (asked != null && !asked.equals(RevisionSource.describe(ready.revision()))) {
            throw new BadInputException(req.revision().kind() == DeploymentRequest.Revision.Kind.ECS
                    ? "taskDefinition" : "s3Key", asked, "is not what waits at Ready on "
                    + req.deploymentGroup() + ": " + GroupWait.describe(ready), "drop the revision to "
                    + req.action() + " whatever waits, or name the one waiting");
        }
        String id = ready.deploymentId();
        if (dryRun) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("dryRun", true);
            f.put("deploymentId", id);
            f.put("awaiting", GroupWait.fields(ready));
            String plan = "promote".equals(req.action()) ? "continue " + GroupWait.describe(ready) + " (traffic to "
                    + "the replacement) and wait up to " + Durations.format(req.timeout())
                    : "stop " + GroupWait.describe(ready) + " with automatic rollback and follow the rollback";
            run.progress().say("plan", "Plan: " + plan);
            return StepResult.of(Outcome.SUCCEEDED, "would-" + req.action(), "dry run: would " + plan, f);
        }
        DeploymentWait.State s = DeploymentWait.State.start(id, platform, true, run.clock().now(), req.timeout());
        s.status = "Ready";
        if ("promote".equals(req.action())) {
            try {
                cd.continueDeployment(b -> b.deploymentId(id).deploymentWaitType(DeploymentWaitType.READY_WAIT));
            } catch (DeploymentIsNotInReadyStateException e) {
                // A retry of a ContinueDeployment whose answer was lost finds it moving already: that is promoted.
                String now = cd.getDeployment(b -> b.deploymentId(id)).deploymentInfo().statusAsString();
                if (!List.of("InProgress", "Baking", "Succeeded").contains(now)) {
                    throw new StepFailedException("ContinueDeployment of " + id + " was refused ("
                            + e.awsErrorDetails().errorMessage() + ") and it is now " + now + "; nothing was "
                            + "promoted", e);
                }
            }
            s.continued = true;
            run.progress().action("ContinueDeployment", id, "Promoted " + GroupWait.describe(ready)
                    + ": CodeDeploy reroutes traffic to the replacement");
            run.progress().say("phase", "Waiting for " + id + " (timeout " + Durations.format(req.timeout()) + ")");
        } else {
            run.progress().say("decision", "Aborting " + GroupWait.describe(ready) + " (action abort): stopping it "
                    + "with automatic rollback");
            machine.stopAndFollow(s, "ABANDONED", "action abort", "aborted at Ready (action abort); stopped "
                    + id + " with automatic rollback", run.clock().now());
        }
        store.save(s);
        return CodeDeployRolling.result(run, req, run.runner().run(machine, s, store), null, null, group);
    }

    /** The revision given with promote/abort, as {@link RevisionSource#describe} names it; null when none. */
    private static String asked(DeploymentRequest req) {
        DeploymentRequest.Revision r = req.revision();
        if (r == null) {
            return null;
        }
        if (r.kind() == DeploymentRequest.Revision.Kind.S3) {
            return "s3://" + r.s3Bucket() + "/" + r.s3Key();
        }
        if (r.kind() == DeploymentRequest.Revision.Kind.ECS && !r.taskDefinitionIsFile()) {
            return "AppSpec " + r.taskDefinition();
        }
        return null;
    }

    /** Promote or abort with nothing at Ready: say what is live instead. */
    private static BadInputException nothingAwaits(CodeDeployClient cd, DeploymentRequest req,
                                                   DeploymentGroupInfo group, List<DeploymentInfo> active) {
        List<String> live = new ArrayList<>();
        for (DeploymentInfo d : active) {
            live.add("running: " + GroupWait.describe(d));
        }
        var last = group.lastSuccessfulDeployment();
        if (last != null && last.deploymentId() != null) {
            String revision = "";
            try {
                DeploymentInfo d = cd.getDeployment(b -> b.deploymentId(last.deploymentId())).deploymentInfo();
                revision = d.revision() == null ? "" : ", " + RevisionSource.describe(d.revision());
            } catch (software.amazon.awssdk.core.exception.SdkException e) {
                // the id alone still says what is live
            }
            live.add("live: " + last.deploymentId() + " (last successful" + revision + ")");
        }
        if (live.isEmpty()) {
            live.add("no deployment has run on the group yet");
        }
        return new BadInputException("action", req.action(), "nothing waits at Ready on " + req.application() + "/"
                + req.deploymentGroup() + " — " + String.join("; ", live), "promote or abort only after a deploy "
                + "with awaitPromotion: true ended awaiting-promotion (CodeDeploy may have stopped it at its own "
                + "wait time)");
    }

    /** The end of action abort: exit 0 when the rollback (or CodeDeploy's stop) left the original serving. */
    static StepResult abortResult(DeploymentWait.State s, Map<String, Object> f) {
        boolean ended = s.rollbackDeploymentId != null ? "Succeeded".equals(s.rollbackStatus)
                : "Stopped".equals(s.status) || "Failed".equals(s.status);
        if (!ended) {
            return StepResult.of(Outcome.FAILED, "abort-failed", "deployment " + s.deploymentId + " " + s.reason, f);
        }
        String after = s.rollbackDeploymentId == null ? "; traffic was never rerouted at Ready: the original serves"
                : "";
        return StepResult.of(Outcome.SUCCEEDED, "aborted", "deployment " + s.deploymentId + " " + s.reason + after,
                f);
    }
}
