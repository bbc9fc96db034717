package dev.awsdeploy.run;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a step returns: its outcome, a one-line summary for people and named fields for programs (the var
 * returns them as a Map; {@code --output json} prints them).
 */
public final class StepResult {
    private final Outcome outcome;
    private final String status;
    private final String summary;
    private final Map<String, Object> fields;

    private StepResult(Outcome outcome, String status, String summary, Map<String, Object> fields) {
        this.outcome = outcome;
        this.status = status;
        this.summary = summary;
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    public static StepResult of(Outcome outcome, String status, String summary, Map<String, Object> fields) {
        return new StepResult(outcome, status, summary, fields);
    }

    public Outcome outcome() {
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
