package dev.awsdeploy.ecs;

import java.io.Serializable;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole memory of one blue/green deploy, persisted after every tick (state file in the CLI, the
 * StepExecution in Jenkins): enough to resume at any phase without registering or updating twice.
 */
public final class BlueGreenState implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Phase { REGISTER, UPDATE, STANDBY, HEALTH_URL, SHIFT, HOLD, BAKE, FINISH, DONE, ROLLBACK,
        ROLLED_BACK, FAILED }

    public Phase phase;
    /** The colour serving 100 % when the deploy started, and the colour being deployed. */
    public String oldColor;
    public String newColor;
    /** Set (and persisted) as soon as the task definition is registered or found. */
    public String taskDefinitionArn;
    public int desiredCount;
    /** Index into the traffic shift's steps, and the new colour's share as last read back. */
    public int step;
    public int newPercent;
    /**
     * Whether traffic may have moved (a change was about to be written, or the rule was read with weight on the
     * new colour): then a failure must put traffic back. Set before the write; on resume, set from the rule.
     */
    public boolean trafficTouched;
    /**
     * The new colour's share about to be written, saved before the write (null when no write is pending), so a
     * run killed between the write and the save knows what may be live.
     */
    public Integer intent;
    /** A switch to a standby that already runs the version: no canary, no bake (unless bakeOnRollback). */
    public boolean instant;
    public Instant deadline;
    public Instant phaseStartedAt;
    public Instant shiftedAt;
    /** When the new colour's targets were last read healthy (the reading's time, not a write's). */
    public Instant targetsCheckedAt;
    /** The last look at alarms and health during a hold or the bake: watched time ends here. */
    public Instant lastLookAt;
    public long standbyPollMs;
    public int tries;
    public int failures;
    /** AWS calls that failed (after the SDK's own retries) in consecutive ticks (see RetryPolicy). */
    public int errors;
    public String reason;
    /** Seconds spent per phase group (register, standby, shift, bake, rollback). */
    public Map<String, Long> timings = new LinkedHashMap<>();

    public BlueGreenState copy() {
        BlueGreenState s = new BlueGreenState();
        s.phase = phase;
        s.oldColor = oldColor;
        s.newColor = newColor;
        s.taskDefinitionArn = taskDefinitionArn;
        s.desiredCount = desiredCount;
        s.step = step;
        s.newPercent = newPercent;
        s.trafficTouched = trafficTouched;
        s.intent = intent;
        s.lastLookAt = lastLookAt;
        s.instant = instant;
        s.deadline = deadline;
        s.phaseStartedAt = phaseStartedAt;
        s.shiftedAt = shiftedAt;
        s.targetsCheckedAt = targetsCheckedAt;
        s.standbyPollMs = standbyPollMs;
        s.tries = tries;
        s.failures = failures;
        s.errors = errors;
        s.reason = reason;
        s.timings = new LinkedHashMap<>(timings);
        return s;
    }

    /** Moves to {@code next}, adding the time spent to the current phase's group. */
    public BlueGreenState to(Phase next, Instant now) {
        BlueGreenState s = copy();
        if (phaseStartedAt != null && phase != null) {
            long ms = Math.max(0, now.toEpochMilli() - phaseStartedAt.toEpochMilli());
            s.timings.merge(group(phase), ms, Long::sum);
        }
        s.phase = next;
        s.phaseStartedAt = now;
        s.tries = 0;
        s.failures = 0;
        return s;
    }

    static String group(Phase p) {
        return switch (p) {
            case REGISTER -> "register";
            case UPDATE, STANDBY, HEALTH_URL -> "standby";
            case SHIFT, HOLD -> "shift";
            case BAKE, FINISH -> "bake";
            default -> "rollback";
        };
    }

    public boolean finished() {
        return phase == Phase.DONE || phase == Phase.ROLLED_BACK || phase == Phase.FAILED;
    }
}
