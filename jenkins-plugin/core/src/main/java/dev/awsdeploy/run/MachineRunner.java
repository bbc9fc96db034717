package dev.awsdeploy.run;

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
 */
public final class MachineRunner {
    private final StepClock clock;
    private final AbortSignal abort;
    private final MachineScheduler scheduler;
    private final Consumer<Runnable> around;

    public MachineRunner(StepClock clock, AbortSignal abort) {
        this(clock, abort, null, Runnable::run);
    }

    public MachineRunner(StepClock clock, AbortSignal abort, MachineScheduler scheduler, Consumer<Runnable> around) {
        this.clock = clock;
        this.abort = abort;
        this.scheduler = scheduler;
        this.around = around;
    }

    /** Runs the machine, then {@code result} on its final state: the step's result, possibly still pending. */
    public <S> StepResult then(StepMachine<S> machine, S initial, StateStore<S> store, Function<S, StepResult> result) {
        if (scheduler == null) {
            return result.apply(run(machine, initial, store));
        }
        CompletableFuture<StepResult> done = scheduler.start(machine, initial, store, clock, abort, around)
                .thenApply(result);
        return StepResult.pending(done);
    }

    /** Runs the machine to its end in this thread: tick, persist, sleep until the wake-up time, repeat. */
    public <S> S run(StepMachine<S> machine, S initial, StateStore<S> store) {
        S state = store.load().orElse(initial);
        while (true) {
            if (abort.aborted()) {
                return finish(machine.abort(state, abort.reason()), store);
            }
            StepMachine.Tick<S> tick = machine.tick(state);
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
}
