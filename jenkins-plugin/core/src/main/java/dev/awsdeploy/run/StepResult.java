package dev.awsdeploy.run;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What a step returns: its outcome, a one-line summary for people and named fields for programs (the var
 * returns them as a Map; {@code --output json} prints them).
 */
public final class StepResult {
    private final Outcome outcome;
    private final String status;
    private final String summary;
    private final Map<String, Object> fields;
    /** Set while a scheduled machine still runs: the result it will give. */
    private final CompletableFuture<StepResult> later;

    private StepResult(Outcome outcome, String status, String summary, Map<String, Object> fields) {
        this.outcome = outcome;
        this.status = status;
        this.summary = summary;
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        this.later = null;
    }

    private StepResult(CompletableFuture<StepResult> later) {
        this.outcome = null;
        this.status = null;
        this.summary = null;
        this.fields = Map.of();
        this.later = later;
    }

    /** The result of a step whose machine is still scheduled (see {@link MachineRunner#then}). */
    public static StepResult pending(CompletableFuture<StepResult> later) {
        return new StepResult(later);
    }

    public boolean isPending() {
        return later != null;
    }

    /** The final result: at once for a finished step, when its machine is done for a pending one. */
    public CompletableFuture<StepResult> completion() {
        return later == null ? CompletableFuture.completedFuture(this) : later.thenCompose(StepResult::completion);
    }

    public static StepResult of(Outcome outcome, String status, String summary, Map<String, Object> fields) {
        return new StepResult(outcome, status, summary, fields);
    }

    public Outcome outcome() {
        if (later != null) {
            throw new IllegalStateException("the step is still running; use completion()");
        }
        return outcome;
    }

    public String status() {
        return status;
    }

    public String summary() {
        return summary;
    }

    public Map<String, Object> fields() {
        return fields;
    }

    /** The whole result as one ordered map: outcome, status, summary, then the step's fields. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("outcome", outcome.name());
        m.put("status", status);
        m.put("summary", summary);
        m.putAll(fields);
        return m;
    }
}
