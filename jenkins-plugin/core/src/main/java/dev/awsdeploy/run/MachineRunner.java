package dev.awsdeploy.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Runs a {@link StepMachine} to its end in this thread: tick, persist, sleep until the machine's wake-up time,
 * repeat. Resumes from the store when it holds a state. On abort the machine gets to make AWS safe first.
 * The store is cleared when the machine is done, so a later run starts afresh (and finds its work already done).
 * A state with a {@code phase} property (as persisted) gets each change of phase noted in the record, with the
 * state's {@code reason} when it changed too: the report draws the phases as bands without the machine telling.
 */
public final class MachineRunner {
    private final StepClock clock;
    private final AbortSignal abort;
    private final Progress progress;
    private String phase;
    private String reason;

    public MachineRunner(StepClock clock, AbortSignal abort) {
        this(clock, abort, null);
    }

    public MachineRunner(StepClock clock, AbortSignal abort, Progress progress) {
        this.clock = clock;
        this.abort = abort;
        this.progress = progress;
    }

    public <S> S run(StepMachine<S> machine, S initial, StateStore<S> store) {
        S state = store.load().orElse(initial);
        notePhase(state);
        while (true) {
            if (abort.aborted()) {
                return finish(notePhase(machine.abort(state, abort.reason())), store);
            }
            StepMachine.Tick<S> tick = machine.tick(state);
            state = notePhase(tick.state());
            if (tick.done()) {
                return finish(state, store);
            }
            store.save(state);
            abort.sleepUntil(clock, tick.wakeAt());
        }
    }

    private <S> S notePhase(S state) {
        if (progress == null || state == null) {
            return state;
        }
        JsonNode persisted = Json.MAPPER.valueToTree(state);
        String now = text(persisted.get("phase"));
        String why = text(persisted.get("reason"));
        if (now != null && !now.equals(phase)) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("phase", now);
            if (phase != null) {
                data.put("from", phase);
            }
            if (why != null && !Objects.equals(why, reason)) {
                data.put("reason", why);
            }
            progress.note("phase-change", "Phase " + now, data);
        }
        phase = now;
        reason = why;
        return state;
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    private static <S> S finish(S state, StateStore<S> store) {
        store.clear();
        return state;
    }
}
