package dev.awsdeploy.run;

/**
 * Runs a {@link StepMachine} to its end in this thread: tick, persist, sleep until the machine's wake-up time,
 * repeat. Resumes from the store when it holds a state. On abort the machine gets to make AWS safe first.
 * The store is cleared when the machine is done, so a later run starts afresh (and finds its work already done).
 */
public final class MachineRunner {
    private final StepClock clock;
    private final AbortSignal abort;

    public MachineRunner(StepClock clock, AbortSignal abort) {
        this.clock = clock;
        this.abort = abort;
    }

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
