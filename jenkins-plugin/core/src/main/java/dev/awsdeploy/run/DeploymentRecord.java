package dev.awsdeploy.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one step run saw and did: inputs (never secrets), what was live before and after, every change made,
 * the timeline, API calls by operation and the outcome. Written as JSON with {@code --record FILE} and
 * attached to the build by the plugin; a replay can read it.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"step", "action", "startedAt", "finishedAt", "outcome", "inputs", "identity", "before", "after",
        "actions", "events", "apiCalls", "apiAttempts", "result"})
public final class DeploymentRecord {
    public record Action(Instant at, String action, String target) {
    }

    private final String step;
    private final String action;
    private final Instant startedAt;
    private Instant finishedAt;
    private String outcome;
    private Map<String, Object> inputs = Map.of();
    private Map<String, Object> identity = Map.of();
    private final Map<String, Object> before = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, Object> after = Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<Action> actions = Collections.synchronizedList(new ArrayList<>());
    private final List<Event> events = Collections.synchronizedList(new ArrayList<>());
    private Map<String, Integer> apiCalls = Map.of();
    /** HTTP attempts behind the calls, retries included (what throttling and outages cost). */
    private Map<String, Integer> apiAttempts = Map.of();
    private Map<String, Object> result = Map.of();

    public DeploymentRecord(String step, String action, Instant startedAt) {
        this.step = step;
        this.action = action;
        this.startedAt = startedAt;
    }

    public void inputs(Map<String, Object> given) {
        this.inputs = new LinkedHashMap<>(given);
    }

    public void identity(Map<String, Object> who) {
        this.identity = new LinkedHashMap<>(who);
    }

    public void before(String key, Object value) {
        before.put(key, value);
    }

    public void after(String key, Object value) {
        after.put(key, value);
    }

    void action(Instant at, String what, String target) {
        actions.add(new Action(at, what, target));
    }

    void event(Event e) {
        events.add(e);
    }

    public void finish(Instant at, Outcome how, Map<String, Integer> calls, Map<String, Integer> attempts,
                       Map<String, Object> stepResult) {
        this.finishedAt = at;
        this.outcome = how.name();
        this.apiCalls = new LinkedHashMap<>(calls);
        this.apiAttempts = new LinkedHashMap<>(attempts);
        this.result = new LinkedHashMap<>(stepResult);
    }

    public String getStep() {
        return step;
    }

    public String getAction() {
        return action;
    }

    public Instant getStartedAt() {
        return startedAt;
    }

    public Instant getFinishedAt() {
        return finishedAt;
    }

    public String getOutcome() {
        return outcome;
    }

    public Map<String, Object> getInputs() {
        return inputs;
    }

    public Map<String, Object> getIdentity() {
        return identity;
    }

    public Map<String, Object> getBefore() {
        return before;
    }

    public Map<String, Object> getAfter() {
        return after;
    }

    public List<Action> getActions() {
        return List.copyOf(actions);
    }

    public List<Event> getEvents() {
        return List.copyOf(events);
    }

    public Map<String, Integer> getApiAttempts() {
        return apiAttempts;
    }

    public Map<String, Integer> getApiCalls() {
        return apiCalls;
    }

    public Map<String, Object> getResult() {
        return result;
    }
}
