package dev.awsdeploy.codedeploy;

import dev.awsdeploy.aws.CreatingCall;
import dev.awsdeploy.run.Durations;
import dev.awsdeploy.run.StateStore;
import dev.awsdeploy.run.StepMachine;
import dev.awsdeploy.run.StepRun;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.codedeploy.CodeDeployClient;
import software.amazon.awssdk.services.codedeploy.model.DeploymentAlreadyCompletedException;
import software.amazon.awssdk.services.codedeploy.model.DeploymentInfo;
import software.amazon.awssdk.services.codedeploy.model.DeploymentOverview;
import software.amazon.awssdk.services.codedeploy.model.DeploymentTarget;
import software.amazon.awssdk.services.codedeploy.model.DeploymentWaitType;
import software.amazon.awssdk.services.codedeploy.model.ECSTaskSet;
import software.amazon.awssdk.services.codedeploy.model.LifecycleEvent;
import software.amazon.awssdk.services.codedeploy.model.StopDeploymentResponse;
import software.amazon.awssdk.services.codedeploy.model.TargetFilterName;

/**
 * Waits for a CodeDeploy deployment to end, as a resumable machine. One GetDeployment per look: every 2 s at
 * first, backing off to one per 10 s, and one per 20 s once the deployment has run 5 minutes — never the tens of
 * calls a minute that get a pipeline throttled. Says only what changed (status, instance counts, ECS traffic).
 * When CodeDeploy rolls back on its own (failure or alarm), follows the rollback deployment to its end. At the
 * timeout, or when aborted, stops the deployment with automatic rollback and follows that rollback to its end too
 * (at most {@link #AFTER_STOP_LIMIT}). With {@code awaitPromotion}, a blue/green deployment that reaches Ready ends
 * the wait there: it waits in CodeDeploy for a later promote or abort.
 */
final class DeploymentWait implements StepMachine<DeploymentWait.State> {
    static final Duration FIRST_INTERVAL = Duration.ofSeconds(2);
    static final Duration STEADY_INTERVAL = Duration.ofSeconds(10);
    static final Duration LONG_RUN = Duration.ofMinutes(5);
    static final Duration LONG_RUN_INTERVAL = Duration.ofSeconds(20);
    /** How long a failed deployment may take to show the rollback CodeDeploy starts for it. */
    static final Duration ROLLBACK_APPEARS_WITHIN = Duration.ofSeconds(20);
    /** ECS traffic weights are read from the deployment target, at most this often. */
    static final Duration TRAFFIC_LOOK_EVERY = Duration.ofSeconds(60);
    /** After StopDeployment: the longest the stop and the rollback it starts are followed (and never longer than the
     * step's timeout). */
    static final Duration AFTER_STOP_LIMIT = Duration.ofMinutes(30);

    /** The whole memory of a wait: enough to resume it after a restart. Public fields for Jackson. */
    public static final class State implements Serializable {
        private static final long serialVersionUID = 1L;
        public String deploymentId;
        public String platform;
        public boolean autoRollback;
        public Instant startedAt;
        public Instant deadline;
        public long intervalMs;
        public int polls;
        public String status;
        public Map<String, Long> instances = new LinkedHashMap<>();
        /** DEPLOYING, ROLLING_BACK or DONE. */
        public String phase = "DEPLOYING";
        public Instant failedSeenAt;
        public String errorCode;
        public String errorMessage;
        public List<String> failures = new ArrayList<>();
        public String rollbackDeploymentId;
        public String rollbackStatus;
        public Instant rollbackDeadline;
        /** SUCCEEDED, FAILED, TIMED_OUT or ABORTED once done. */
        public String verdict;
        public String reason;
        public boolean continued;
        public String ecsTargetId;
        public Instant lastTrafficLook;
        public Map<String, Double> traffic = new LinkedHashMap<>();
        public String stopStatus;
        public Instant endedAt;
        /** Set once we called StopDeployment: the verdict it ends with (TIMED_OUT or ABORTED) and why. */
        public String stopVerdict;
        public String stopReason;
        /** Until when the stop and its rollback are followed. */
        public Instant stopDeadline;
        public String rollbackMessage;

        public State() {
        }

        static State start(String deploymentId, String platform, boolean autoRollback, Instant now, Duration timeout) {
            State s = new State();
            s.deploymentId = deploymentId;
            s.platform = platform;
            s.autoRollback = autoRollback;
            s.startedAt = now;
            s.deadline = now.plus(timeout);
            s.intervalMs = FIRST_INTERVAL.toMillis();
            return s;
        }
    }

    private final CodeDeployClient cd;
    private final StepRun run;
    private final boolean continueAtReady;
    private final boolean awaitPromotion;
    private StateStore<State> store = StateStore.none();

    DeploymentWait(CodeDeployClient cd, StepRun run, boolean continueAtReady, boolean awaitPromotion) {
        this.cd = cd;
        this.run = run;
        this.continueAtReady = continueAtReady;
        this.awaitPromotion = awaitPromotion;
    }

    /** Where an abort's own follow of the rollback saves the state between looks. */
    DeploymentWait savingTo(StateStore<State> s) {
        this.store = s;
        return this;
    }

    @Override
    public Tick<State> tick(State s) {
        if (s.verdict != null) {
            return Tick.done(s);
        }
        return "ROLLING_BACK".equals(s.phase) ? followRollback(s) : followDeployment(s);
    }

    private Tick<State> followDeployment(State s) {
        DeploymentInfo d = cd.getDeployment(b -> b.deploymentId(s.deploymentId)).deploymentInfo();
        s.polls++;
        Instant now = run.clock().now();
        observe(s, d);
        String status = d.statusAsString();
        switch (status) {
            case "Succeeded" -> {
                return end(s, "SUCCEEDED", null, now);
            }
            case "Failed", "Stopped" -> {
                if (s.failedSeenAt == null) {
                    s.failedSeenAt = now;
                    s.errorCode = d.errorInformation() == null ? null : d.errorInformation().codeAsString();
                    s.errorMessage = d.errorInformation() == null ? null : d.errorInformation().message();
                    s.failures = failures(s.deploymentId);
                    run.progress().say("decision", "Deployment " + s.deploymentId + " " + status + ": "
                            + error(s) + (s.failures.isEmpty() ? "" : "\n  " + String.join("\n  ", s.failures)));
                }
                String rollbackId = d.rollbackInfo() == null ? null : d.rollbackInfo().rollbackDeploymentId();
                s.rollbackMessage = d.rollbackInfo() == null ? null : d.rollbackInfo().rollbackMessage();
                if (rollbackId != null && !rollbackId.isBlank()) {
                    s.rollbackDeploymentId = rollbackId;
                    s.phase = "ROLLING_BACK";
                    Duration allowance = Duration.between(s.startedAt, s.deadline);
                    s.rollbackDeadline = s.stopDeadline != null ? s.stopDeadline : now.plus(allowance);
                    s.intervalMs = FIRST_INTERVAL.toMillis();
                    run.progress().say("phase", "CodeDeploy is rolling back: following rollback deployment "
                            + rollbackId + (d.rollbackInfo().rollbackMessage() == null ? ""
                            : " (" + d.rollbackInfo().rollbackMessage() + ")"));
                    return next(s, now, s.rollbackDeadline);
                }
                boolean mayStillRollBack = (s.autoRollback || s.stopStatus != null)
                        && now.isBefore(s.failedSeenAt.plus(ROLLBACK_APPEARS_WITHIN));
                if (!mayStillRollBack) {
                    if (s.stopVerdict != null) {
                        return end(s, s.stopVerdict, s.stopReason + "; CodeDeploy started no rollback"
                                + (s.rollbackMessage == null ? "" : " (" + s.rollbackMessage + ")"), now);
                    }
                    return end(s, "FAILED", status + ": " + error(s), now);
                }
                s.intervalMs = Math.min(s.intervalMs, Duration.ofSeconds(5).toMillis());
                return next(s, now, s.failedSeenAt.plus(ROLLBACK_APPEARS_WITHIN));
            }
            case "Ready" -> {
                if (awaitPromotion && !s.continued && s.stopDeadline == null) {
                    run.progress().say("decision", "Ready: the replacement of " + s.deploymentId + " is up and traffic "
                            + "is still on the original; ending here (awaitPromotion) — CodeDeploy holds the deployment "
                            + "until it is promoted or aborted");
                    return end(s, "AWAITING_PROMOTION", "waits at Ready", now);
                }
                if (continueAtReady && !s.continued) {
                    cd.continueDeployment(b -> b.deploymentId(s.deploymentId)
                            .deploymentWaitType(DeploymentWaitType.READY_WAIT));
                    s.continued = true;
                    run.progress().action("ContinueDeployment", s.deploymentId, "Ready: continued deployment "
                            + s.deploymentId + " (continueAtReady) — traffic is rerouted to the replacement");
                } else if (!continueAtReady && !s.continued) {
                    run.progress().changed("ready", "phase", "Ready: the replacement is up; CodeDeploy waits for "
                            + "traffic to be rerouted (continue it in the console or re-run with continueAtReady: "
                            + "true)");
                }
            }
            default -> {
                // Created, Queued, InProgress, Baking: keep watching
            }
        }
        if ("ECS".equals(s.platform) && "InProgress".equals(status)) {
            lookAtTraffic(s, now);
        }
        if (s.stopDeadline != null) {
            if (s.stopStatus == null) {
                stop(s, "the earlier StopDeployment failed");
            }
            if (!now.isBefore(s.stopDeadline)) {
                return end(s, s.stopVerdict == null ? "TIMED_OUT" : s.stopVerdict, (s.stopReason == null ? ""
                        : s.stopReason + "; ") + "it is still " + status + " " + Durations.format(Duration.between(
                        s.stopDeadline.minus(afterStopLimit(s)), now).withNanos(0)) + " after StopDeployment — "
                        + "follow it in the CodeDeploy console", now);
            }
            return next(s, now, s.stopDeadline);
        }
        if (!now.isBefore(s.deadline)) {
            String timeout = Durations.format(Duration.between(s.startedAt, s.deadline));
            run.progress().say("decision", "Timed out after " + timeout + " with deployment " + s.deploymentId
                    + " still " + status);
            stopAndFollow(s, "TIMED_OUT", "timed out after " + timeout, "still " + status + " at the timeout of "
                    + timeout + "; stopped it with automatic rollback", now);
            return next(s, now, s.stopDeadline);
        }
        return next(s, now, s.deadline);
    }

    /** Stops the deployment with rollback; the following looks follow the stop and the rollback it starts. */
    void stopAndFollow(State s, String verdict, String why, String reason, Instant now) {
        // AlreadyCompleted: it ended on its own meanwhile (or a retried stop found its own first attempt applied);
        // the next looks say how, and a success is still a success.
        stop(s, why);
        s.stopVerdict = verdict;
        s.stopReason = reason;
        s.stopDeadline = now.plus(afterStopLimit(s));
        s.intervalMs = FIRST_INTERVAL.toMillis();
        run.progress().say("phase", "Following the stop of " + s.deploymentId + " and the rollback it starts (up to "
                + Durations.format(afterStopLimit(s)) + ")");
    }

    private static Duration afterStopLimit(State s) {
        Duration timeout = Duration.between(s.startedAt, s.deadline);
        return timeout.compareTo(AFTER_STOP_LIMIT) < 0 ? timeout : AFTER_STOP_LIMIT;
    }

    private Tick<State> followRollback(State s) {
        DeploymentInfo r = cd.getDeployment(b -> b.deploymentId(s.rollbackDeploymentId)).deploymentInfo();
        s.polls++;
        Instant now = run.clock().now();
        s.rollbackStatus = r.statusAsString();
        run.progress().changed("rollback", "status", "Rollback " + s.rollbackDeploymentId + ": " + s.rollbackStatus
                + counts(r.deploymentOverview()));
        String why = s.stopVerdict != null ? s.stopReason : s.status + ": " + error(s);
        String verdict = s.stopVerdict != null ? s.stopVerdict : "FAILED";
        switch (s.rollbackStatus) {
            case "Succeeded" -> {
                return end(s, verdict, why + "; rolled back by " + s.rollbackDeploymentId, now);
            }
            case "Failed", "Stopped" -> {
                return end(s, verdict, why + "; the rollback " + s.rollbackDeploymentId + " also ended "
                        + s.rollbackStatus + (r.errorInformation() == null ? "" : ": " + r.errorInformation()
                        .message()), now);
            }
            default -> {
                if (!now.isBefore(s.rollbackDeadline)) {
                    return end(s, verdict, why + "; the rollback " + s.rollbackDeploymentId + " is still "
                            + s.rollbackStatus + " after " + Durations.format(Duration.between(
                            s.failedSeenAt == null ? now : s.failedSeenAt, now).withNanos(0))
                            + " — follow it in the CodeDeploy console", now);
                }
                return next(s, now, s.rollbackDeadline);
            }
        }
    }

    private Tick<State> next(State s, Instant now, Instant limit) {
        Instant wake = now.plusMillis(s.intervalMs);
        if (wake.isAfter(limit)) {
            wake = limit.isAfter(now) ? limit : now.plusSeconds(1);
        }
        Duration cap = Duration.between(s.startedAt, now).compareTo(LONG_RUN) >= 0 ? LONG_RUN_INTERVAL
                : STEADY_INTERVAL;
        s.intervalMs = Math.min(s.intervalMs * 2, cap.toMillis());
        return Tick.wakeAt(s, wake);
    }

    private Tick<State> end(State s, String verdict, String reason, Instant now) {
        s.verdict = verdict;
        s.reason = reason;
        s.phase = "DONE";
        s.endedAt = now;
        return Tick.done(s);
    }

    /** Tells what changed since the last look: the status and the instance counts. */
    private void observe(State s, DeploymentInfo d) {
        s.status = d.statusAsString();
        run.progress().changed("status", "status", "Deployment " + s.deploymentId + ": " + s.status,
                Map.of("deploymentId", s.deploymentId, "status", s.status));
        DeploymentOverview o = d.deploymentOverview();
        if (o != null) {
            Map<String, Long> counts = new LinkedHashMap<>();
            counts.put("pending", n(o.pending()));
            counts.put("inProgress", n(o.inProgress()));
            counts.put("succeeded", n(o.succeeded()));
            counts.put("failed", n(o.failed()));
            counts.put("skipped", n(o.skipped()));
            if (n(o.ready()) > 0) {
                counts.put("ready", n(o.ready()));
            }
            s.instances = counts;
            if (counts.values().stream().anyMatch(v -> v > 0)) {
                run.progress().changed("instances", "progress", "Instances: " + counts.get("pending") + " pending, "
                        + counts.get("inProgress") + " in progress, " + counts.get("succeeded") + " succeeded, "
                        + counts.get("failed") + " failed, " + counts.get("skipped") + " skipped"
                        + (counts.containsKey("ready") ? ", " + counts.get("ready") + " ready" : ""),
                        Map.of("instances", counts));
            }
        }
    }

    private static String counts(DeploymentOverview o) {
        if (o == null || n(o.succeeded()) + n(o.failed()) + n(o.inProgress()) + n(o.pending()) == 0) {
            return "";
        }
        return " (" + n(o.succeeded()) + " succeeded, " + n(o.failed()) + " failed, " + n(o.inProgress())
                + " in progress, " + n(o.pending()) + " pending)";
    }

    private static long n(Long v) {
        return v == null ? 0 : v;
    }

    static String error(State s) {
        if (s.errorCode == null && s.errorMessage == null) {
            return "no error information from CodeDeploy";
        }
        return (s.errorCode == null ? "" : s.errorCode + ": ") + (s.errorMessage == null ? "" : s.errorMessage);
    }

    /** ECS blue/green: the traffic weights of the original and replacement task sets, at most once a minute. */
    private void lookAtTraffic(State s, Instant now) {
        if (s.lastTrafficLook != null && now.isBefore(s.lastTrafficLook.plus(TRAFFIC_LOOK_EVERY))) {
            return;
        }
        s.lastTrafficLook = now;
        try {
            if (s.ecsTargetId == null) {
                List<String> ids = cd.listDeploymentTargets(b -> b.deploymentId(s.deploymentId)).targetIds();
                if (ids.isEmpty()) {
                    return;
                }
                s.ecsTargetId = ids.get(0);
            }
            List<DeploymentTarget> targets = cd.batchGetDeploymentTargets(b -> b.deploymentId(s.deploymentId)
                    .targetIds(s.ecsTargetId)).deploymentTargets();
            if (targets.isEmpty() || targets.get(0).ecsTarget() == null) {
                return;
            }
            Map<String, Double> weights = new LinkedHashMap<>();
            for (ECSTaskSet t : targets.get(0).ecsTarget().taskSetsInfo()) {
                String label = t.taskSetLabelAsString() == null ? t.identifer() : t.taskSetLabelAsString();
                weights.put(label, t.trafficWeight() == null ? 0.0 : t.trafficWeight());
            }
            s.traffic = weights;
            List<String> parts = new ArrayList<>();
            weights.forEach((k, v) -> parts.add(k + " " + Math.round(v) + " %"));
            run.progress().changed("traffic", "traffic", "ECS traffic: " + String.join(", ", parts),
                    Map.of("traffic", weights));
        } catch (SdkException e) {
            // Traffic weights are a nicety; the deployment's status is what decides.
        }
    }

    /** "i-0abc: ApplicationStart Failed (ScriptFailed: ...)" for each failed target, from the deployment targets. */
    private List<String> failures(String deploymentId) {
        List<String> out = new ArrayList<>();
        try {
            List<String> ids = cd.listDeploymentTargets(b -> b.deploymentId(deploymentId)
                    .targetFilters(Map.of(TargetFilterName.TARGET_STATUS, List.of("Failed")))).targetIds();
            if (ids.isEmpty()) {
                return out;
            }
            List<String> first = ids.subList(0, Math.min(25, ids.size()));
            for (DeploymentTarget t : cd.batchGetDeploymentTargets(b -> b.deploymentId(deploymentId)
                    .targetIds(first)).deploymentTargets()) {
                String id;
                List<LifecycleEvent> events;
                if (t.instanceTarget() != null) {
                    id = t.instanceTarget().targetId();
                    events = t.instanceTarget().lifecycleEvents();
                } else if (t.ecsTarget() != null) {
                    id = t.ecsTarget().targetId();
                    events = t.ecsTarget().lifecycleEvents();
                } else if (t.lambdaTarget() != null) {
                    id = t.lambdaTarget().targetId();
                    events = t.lambdaTarget().lifecycleEvents();
                } else {
                    continue;
                }
                for (LifecycleEvent e : events) {
                    if ("Failed".equals(e.statusAsString())) {
                        StringBuilder b = new StringBuilder(id).append(": ").append(e.lifecycleEventName())
                                .append(" failed");
                        if (e.diagnostics() != null) {
                            var dg = e.diagnostics();
                            b.append(" (").append(dg.errorCodeAsString() == null ? "" : dg.errorCodeAsString())
                                    .append(dg.scriptName() == null ? "" : ", script " + dg.scriptName())
                                    .append(dg.message() == null ? "" : ": " + dg.message()).append(')');
                            if (dg.logTail() != null && !dg.logTail().isBlank()) {
                                String tail = dg.logTail().strip();
                                int cut = tail.lastIndexOf('\n', tail.length() - 1);
                                b.append(" — last log line: ").append(cut >= 0 ? tail.substring(cut + 1) : tail);
                            }
                        }
                        out.add(b.toString());
                        break;
                    }
                }
            }
            if (ids.size() > first.size()) {
                out.add("… and " + (ids.size() - first.size()) + " more failed targets");
            }
        } catch (SdkException e) {
            out.add("(the failed targets could not be read: " + e.getMessage() + ")");
        }
        return out;
    }

    /** Stops the deployment and asks CodeDeploy to roll back what it already changed. */
    private void stop(State s, String why) {
        try {
            StopDeploymentResponse r = cd.stopDeployment(b -> b.deploymentId(s.deploymentId).autoRollbackEnabled(true));
            s.stopStatus = r.statusAsString();
            run.progress().action("StopDeployment", s.deploymentId, "Stopped deployment " + s.deploymentId + " ("
                    + why + ") with automatic rollback: " + r.statusAsString()
                    + (r.statusMessage() == null ? "" : " — " + r.statusMessage()));
        } catch (DeploymentAlreadyCompletedException e) {
            s.stopStatus = "AlreadyCompleted";
            run.progress().say("decision", "Deployment " + s.deploymentId + " had already ended when StopDeployment "
                    + "reached it (on its own, or by an earlier attempt of this stop whose answer was lost): "
                    + "following how it ended");
        } catch (SdkException e) {
            // Not stopped: the next looks try again, so a deployment is never left running unwatched.
            s.stopStatus = null;
            run.progress().say("decision", "StopDeployment of " + s.deploymentId + " failed ("
                    + CreatingCall.describe(e) + "); trying again at the next look");
        }
    }

    @Override
    public State abort(State s, String reason) {
        if (s.verdict != null) {
            return s;
        }
        String why = reason == null || reason.isBlank() ? "aborted" : reason;
        String said = Character.toUpperCase(why.charAt(0)) + why.substring(1);
        Instant now = run.clock().now();
        if ("DEPLOYING".equals(s.phase) && s.stopDeadline == null) {
            run.progress().say("decision", said + ": stopping deployment " + s.deploymentId
                    + " with automatic rollback");
            stopAndFollow(s, "ABORTED", why, why + "; stopped deployment " + s.deploymentId
                    + " with automatic rollback", now);
        } else {
            run.progress().say("decision", said + " while " + ("ROLLING_BACK".equals(s.phase) ? "CodeDeploy rolls "
                    + "back with " + s.rollbackDeploymentId : "deployment " + s.deploymentId + " is being stopped")
                    + ": following it to its end");
        }
        return followAfterAbort(s, why);
    }

    /**
     * Aborting ends the step, but only once the rollback is known: looks until the stop and its rollback end (the
     * machine's own deadlines bound it), sleeping on the clock here because the abort signal no longer sleeps. An
     * interrupt (the controller shutting down) leaves the rollback to CodeDeploy and says so.
     */
    private State followAfterAbort(State s, String why) {
        while (true) {
            Tick<State> t;
            try {
                t = tick(s);
            } catch (SdkException e) {
                return end(s, s.stopVerdict == null ? "ABORTED" : s.stopVerdict, (s.stopReason == null ? why
                        : s.stopReason) + "; the rollback could not be followed (" + CreatingCall.describe(e)
                        + ") — CodeDeploy carries on, follow " + (s.rollbackDeploymentId == null ? s.deploymentId
                        : s.rollbackDeploymentId) + " in the console", run.clock().now()).state();
            }
            if (t.done()) {
                return t.state();
            }
            store.save(t.state());
            try {
                run.clock().sleepUntil(t.wakeAt());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return end(s, s.stopVerdict == null ? "ABORTED" : s.stopVerdict, (s.stopReason == null ? why
                        : s.stopReason) + "; stopped following: CodeDeploy carries on with "
                        + (s.rollbackDeploymentId == null ? s.deploymentId : s.rollbackDeploymentId),
                        run.clock().now()).state();
            }
        }
    }
}
