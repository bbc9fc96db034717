package dev.awsdeploy.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs a step's {@link StepMachine}: resumes from the store when it holds a state, ticks, persists the state after
 * every tick and waits until the machine's wake-up time. On abort the machine gets to make AWS safe first. The store
 * is cleared when the machine is done, so a later run starts afresh (and finds its work already done).
 * <p>
 * With a {@link MachineScheduler} (the CLI, the plugin) the waits hold no thread: {@link #then} returns at once with
 * a pending result that completes when the machine has finished. Without one (a test driving a step directly) the
 * machine runs in the calling thread and the result is complete when {@link #then} returns.
 * <p>
 * A state with a {@code phase} property (as persisted) gets each change of phase noted in the record, with the
 * state's {@code reason} when it changed too: the report draws the phases as bands without the machine telling.
 */
public final class MachineRunner {
    private final StepClock clock;
    private final AbortSignal abort;
    private final MachineScheduler scheduler;
    private final Consumer<Runnable> around;
    private final Progress progress;

    public MachineRunner(StepClock clock, AbortSignal abort) {
        this(clock, abort, null, Runnable::run, null);
    }

    public MachineRunner(StepClock clock, AbortSignal abort, MachineScheduler scheduler, Consumer<Runnable> around) {
        this(clock, abort, scheduler, around, null);
    }

    public MachineRunner(StepClock clock, AbortSignal abort, MachineScheduler scheduler, Consumer<Runnable> around,
                         Progress progress) {
        this.clock = clock;
        this.abort = abort;
        this.scheduler = scheduler;
        this.around = around;
        this.progress = progress;
    }

    /** Runs the machine, then {@code result} on its final state: the step's result, possibly still pending. */
    public <S> StepResult then(StepMachine<S> machine, S initial, StateStore<S> store, Function<S, StepResult> result) {
        if (scheduler == null) {
            return result.apply(run(machine, initial, store));
        }
        PhaseNotes<S> noted = new PhaseNotes<>(machine, progress);
        noted.note(store.load().orElse(initial));
        CompletableFuture<StepResult> done = scheduler.start(noted, initial, store, clock, abort, around)
                .thenApply(result);
        return StepResult.pending(done);
    }

    /** Runs the machine to its end in this thread: tick, persist, sleep until the wake-up time, repeat. */
    public <S> S run(StepMachine<S> machine, S initial, StateStore<S> store) {
        PhaseNotes<S> noted = new PhaseNotes<>(machine, progress);
        S state = noted.note(store.load().orElse(initial));
        while (true) {
            if (abort.aborted()) {
                return finish(noted.abort(state, abort.reason()), store);
            }
            StepMachine.Tick<S> tick = noted.tick(state);
            state = tick.state();
            if (tick.done()) {
                return finish(state, store);
            }
            store.save(state);
            abort.sleepUntil(clock, tick.wakeAt());
        }
    }

    private static <S> S finish(S state, StateStore<S> store) {
        store.clear();
        return state;
    }

    /** The machine, with each change of its state's phase noted in the record (for the report). */
    private static final class PhaseNotes<S> implements StepMachine<S> {
        private final StepMachine<S> machine;
        private final Progress progress;
        private String phase;
        private String reason;

        PhaseNotes(StepMachine<S> machine, Progress progress) {
            this.machine = machine;
            this.progress = progress;
        }

        @Override
        public Tick<S> tick(S state) {
            Tick<S> t = machine.tick(state);
            note(t.state());
            return t;
        }

        @Override
        public S abort(S state, String why) {
            return note(machine.abort(state, why));
        }

        S note(S state) {
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
    }
}
