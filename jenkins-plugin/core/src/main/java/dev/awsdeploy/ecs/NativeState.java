package dev.awsdeploy.ecs;

import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole memory of one ECS-native deployment, persisted after every tick: the task definition (saved before
 * UpdateService), the service deployment's ARN (saved as soon as ECS names it), the deadline, the stages seen and
 * the weights read back. A resumed run keeps the ARN and the deadline, so it follows the same deployment and
 * gives up at the same moment.
 */
public final class NativeState implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Phase { REGISTER, UPDATE, FOLLOW, ROLLBACK, DONE, ROLLED_BACK, FAILED, TIMED_OUT }

    /** One lifecycle stage of the service deployment as we saw it. */
    public static final class Stage implements Serializable {
        private static final long serialVersionUID = 1L;
        public String name;
        public Instant startedAt;
        public Instant endedAt;

        public Stage() {
        }

        Stage(String name, Instant at) {
            this.name = name;
            this.startedAt = at;
        }
    }

    public Phase phase;
    public String taskDefinitionArn;
    /** What served production before: its task definition and its target group. */
    public String oldTaskDefinitionArn;
    public String oldTargetGroup;
    public String newTargetGroup;
    public String serviceDeploymentArn;
    /** Whether we attached to a deployment someone else (or an earlier run) started. */
    public boolean attached;
    public Instant startedAt;
    public Instant deadline;
    /** The last status and stage ECS showed, and when anything last changed (the poll eases off from there). */
    public String status;
    public String stage;
    public Instant changedAt;
    /** When the production traffic last changed: the alarm poll eases off from there. */
    public Instant trafficChangedAt;
    /** When the service deployment is read next (ECS is looked at less often than the alarms). */
    public Instant ecsLookAt;
    /** When alarms and the health URL are looked at next. */
    public Instant watchAt;
    /** The new revision's production share: what ECS asked for, and what the rule showed when read back. */
    public double requestedPercent;
    public double readBackPercent;
    /** Reads in a row where the rule did not show what ECS asked for (ECS may be mid-write once). */
    public int mismatches;
    public boolean stopRequested;
    public Instant rollbackStartedAt;
    /** The rollback was asked for because the deadline passed: the run ends TIMED_OUT (exit 4). */
    public boolean timedOut;
    /** Rolled back by ECS on its own (circuit breaker, its alarms), not by us. */
    public boolean ecsRolledBack;
    public boolean trafficBack;
    public int urlFailures;
    public int errors;
    public String reason;
    public List<Stage> stages = new ArrayList<>();
    /** Every traffic level read back from the rule: new revision's percent by time. */
    public Map<String, Double> weights = new LinkedHashMap<>();

    public NativeState copy() {
        NativeState s = new NativeState();
        s.phase = phase;
        s.taskDefinitionArn = taskDefinitionArn;
        s.oldTaskDefinitionArn = oldTaskDefinitionArn;
        s.oldTargetGroup = oldTargetGroup;
        s.newTargetGroup = newTargetGroup;
        s.serviceDeploymentArn = serviceDeploymentArn;
        s.attached = attached;
        s.startedAt = startedAt;
        s.deadline = deadline;
        s.status = status;
        s.stage = stage;
        s.changedAt = changedAt;
        s.trafficChangedAt = trafficChangedAt;
        s.ecsLookAt = ecsLookAt;
        s.watchAt = watchAt;
        s.requestedPercent = requestedPercent;
        s.readBackPercent = readBackPercent;
        s.mismatches = mismatches;
        s.stopRequested = stopRequested;
        s.rollbackStartedAt = rollbackStartedAt;
        s.timedOut = timedOut;
        s.ecsRolledBack = ecsRolledBack;
        s.trafficBack = trafficBack;
        s.urlFailures = urlFailures;
        s.errors = errors;
        s.reason = reason;
        for (Stage st : stages) {
            Stage c = new Stage(st.name, st.startedAt);
            c.endedAt = st.endedAt;
            s.stages.add(c);
        }
        s.weights = new LinkedHashMap<>(weights);
        return s;
    }

    public boolean finished() {
        return phase == Phase.DONE || phase == Phase.ROLLED_BACK || phase == Phase.FAILED || phase == Phase.TIMED_OUT;
    }
}
