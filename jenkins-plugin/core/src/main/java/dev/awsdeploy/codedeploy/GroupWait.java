package dev.awsdeploy.codedeploy;

import dev.awsdeploy.aws.CreatingCall;
import dev.awsdeploy.run.Durations;
import dev.awsdeploy.run.Outcome;
import dev.awsdeploy.run.StateStore;
import dev.awsdeploy.run.StepMachine;
import dev.awsdeploy.run.StepResult;
import dev.awsdeploy.run.StepRun;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.codedeploy.CodeDeployClient;
import software.amazon.awssdk.services.codedeploy.model.DeploymentInfo;
import software.amazon.awssdk.services.codedeploy.model.RevisionLocation;

/**
 * One deployment at a time per group: CodeDeploy itself refuses a second active deployment, so the lock is
 * CodeDeploy's own. Before creating, the step looks at the group's active deployments: one of our revision is
 * attached to; another is reported (id, revision, creator, since when) and waited for up to {@code lockTimeout},
 * saying only when the holder changes; then the step ends with exit 4 naming it. Nothing is changed while waiting.
 */
final class GroupWait implements StepMachine<GroupWait.State> {
    static final Duration FIRST_INTERVAL = Duration.ofSeconds(5);
    static final Duration MAX_INTERVAL = Duration.ofSeconds(30);

    /** What the wait knows. Public fields for Jackson. */
    public static final class State implements Serializable {
        private static final long serialVersionUID = 1L;
        public Instant startedAt;
        public Instant deadline;
        public long intervalMs;
        public int looks;
        public String holderId;
        public Map<String, Object> holder = new LinkedHashMap<>();
        /** Set when the group is busy with our own revision: attach to this deployment. */
        public String attachTo;
        /** Null once the group is free; TIMED_OUT or ABORTED otherwise. */
        public String verdict;
        public String reason;
        public Instant endedAt;
        public boolean free;

        public State() {
        }
    }

    private final CodeDeployClient cd;
    private final DeploymentRequest req;
    private final StepRun run;
    private final RevisionLocation ours;

    GroupWait(CodeDeployClient cd, DeploymentRequest req, StepRun run, RevisionLocation ours) {
        this.cd = cd;
        this.req = req;
        this.run = run;
        this.ours = ours;
    }

    /** The group's active deployments (Created, Queued, InProgress, Baking, Ready), oldest first. */
    static List<DeploymentInfo> active(CodeDeployClient cd, DeploymentRequest req) {
        List<String> ids = cd.listDeployments(b -> b.applicationName(req.application())
                .deploymentGroupName(req.deploymentGroup())
                .includeOnlyStatusesWithStrings(CodeDeployRolling.ACTIVE)).deployments();
        if (ids.isEmpty()) {
            return List.of();
        }
        List<String> first = ids.subList(0, Math.min(25, ids.size()));
        List<DeploymentInfo> out = new ArrayList<>(cd.batchGetDeployments(b -> b.deploymentIds(first))
                .deploymentsInfo().stream().filter(d -> CodeDeployRolling.ACTIVE.contains(d.statusAsString()))
                .toList());
        out.sort(java.util.Comparator.comparing(d -> d.createTime() == null ? Instant.EPOCH : d.createTime()));
        return out;
    }

    /** "d-123 (InProgress, s3://releases/app-1.zip, created by user, https://jenkins/job/x/7/, since 12:01:02Z)". */
    static String describe(DeploymentInfo d) {
        List<String> parts = new ArrayList<>();
        parts.add(d.statusAsString());
        if (d.revision() != null) {
            parts.add(RevisionSource.describe(d.revision()));
        }
        if (d.creatorAsString() != null) {
            parts.add("created by " + d.creatorAsString());
        }
        if (d.description() != null && !d.description().isBlank()) {
            parts.add(d.description());
        }
        if (d.createTime() != null) {
            parts.add("since " + d.createTime());
        }
        return d.deploymentId() + " (" + String.join(", ", parts) + ")";
    }

    static Map<String, Object> fields(DeploymentInfo d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("deploymentId", d.deploymentId());
        m.put("status", d.statusAsString());
        m.put("revision", d.revision() == null ? null : RevisionSource.describe(d.revision()));
        m.put("creator", d.creatorAsString());
        m.put("description", d.description());
        m.put("createTime", d.createTime() == null ? null : d.createTime().toString());
        return m;
    }

    /**
     * Waits until the group is free (returns a state without verdict), busy with our revision ({@code attachTo}),
     * or {@code lockTimeout} has passed ({@code verdict} TIMED_OUT). Not resumable: nothing has changed yet, so a
     * re-run simply looks again.
     */
    State await(List<DeploymentInfo> active) {
        State s = new State();
        s.startedAt = run.clock().now();
        s.deadline = s.startedAt.plus(req.lockTimeout());
        s.intervalMs = FIRST_INTERVAL.toMillis();
        if (!look(s, active, s.startedAt)) {
            return s;
        }
        return run.runner().run(this, s, StateStore.none());
    }

    @Override
    public Tick<State> tick(State s) {
        Instant now = run.clock().now();
        List<DeploymentInfo> active;
        try {
            active = active(cd, req);
        } catch (SdkException e) {
            run.progress().changed("group-read", "decision", "Could not read the deployments of "
                    + req.deploymentGroup() + " (" + CreatingCall.describe(e) + "); looking again");
            return next(s, now);
        }
        if (!look(s, active, now)) {
            return Tick.done(s);
        }
        return next(s, now);
    }

    /** Takes in what the group runs now; false when the wait is over. */
    private boolean look(State s, List<DeploymentInfo> active, Instant now) {
        s.looks++;
        Optional<DeploymentInfo> same = ours == null ? Optional.empty() : active.stream()
                .filter(d -> RevisionSource.same(d.revision(), ours)).findFirst();
        if (same.isPresent()) {
            s.attachTo = same.get().deploymentId();
            run.progress().say("decision", "Deployment " + describe(same.get()) + " deploys this revision: attaching "
                    + "to it instead of starting a second one");
            return false;
        }
        if (active.isEmpty()) {
            s.free = true;
            if (s.holderId != null) {
                run.progress().say("decision", "Deployment group " + req.deploymentGroup() + " is free: "
                        + s.holderId + " ended after " + waited(s, now) + " of waiting");
            }
            return false;
        }
        DeploymentInfo holder = active.get(0);
        s.holder = fields(holder);
        if (!holder.deploymentId().equals(s.holderId)) {
            s.holderId = holder.deploymentId();
            run.progress().say("decision", "Deployment group " + req.application() + "/" + req.deploymentGroup()
                    + " is busy with " + describe(holder) + "; CodeDeploy runs one deployment per group: waiting "
                    + (req.lockTimeout().isZero() ? "not at all (lockTimeout 0s)" : "up to "
                    + Durations.format(req.lockTimeout()) + " for it to end") + ("Ready".equals(holder.statusAsString())
                    ? " (it waits at Ready for promotion: finish it with action: 'promote' or 'abort')" : ""),
                    Map.of("activeDeployment", s.holder));
        }
        if (!now.isBefore(s.deadline)) {
            s.verdict = "TIMED_OUT";
            s.endedAt = now;
            s.reason = "deployment group " + req.application() + "/" + req.deploymentGroup() + " is still busy with "
                    + describe(holder) + " after lockTimeout " + Durations.format(req.lockTimeout())
                    + "; nothing was changed — wait for it to end (or stop it in CodeDeploy), then re-run";
            return false;
        }
        return true;
    }

    private Tick<State> next(State s, Instant now) {
        Instant wake = now.plusMillis(s.intervalMs);
        if (wake.isAfter(s.deadline)) {
            wake = s.deadline.isAfter(now) ? s.deadline : now.plusSeconds(1);
        }
        s.intervalMs = Math.min(s.intervalMs * 2, MAX_INTERVAL.toMillis());
        return Tick.wakeAt(s, wake);
    }

    private static String waited(State s, Instant now) {
        return Durations.format(Duration.between(s.startedAt, now).withNanos(0));
    }

    @Override
    public State abort(State s, String reason) {
        s.verdict = "ABORTED";
        s.endedAt = run.clock().now();
        s.reason = (reason == null ? "aborted" : reason) + " while waiting for " + s.holderId + " to end on "
                + req.deploymentGroup() + "; nothing was changed";
        return s;
    }

    StepResult result(State s) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("activeDeployment", s.holder);
        f.put("rolledBack", false);
        f.put("waited", Durations.format(Duration.between(s.startedAt, s.endedAt).withNanos(0)));
        if ("ABORTED".equals(s.verdict)) {
            return StepResult.of(Outcome.FAILED, "Aborted", s.reason, f);
        }
        return StepResult.of(Outcome.TIMED_OUT, "group-busy", s.reason, f);
    }
}
