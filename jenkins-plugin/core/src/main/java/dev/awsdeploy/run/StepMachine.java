package dev.awsdeploy.run;

import java.time.Instant;

/**
 * A long step as a sequence of phases over a small serialisable state. {@link #tick} does a bounded amount of
 * work and says what the state is now and when to call again; the CLI loops ticks (persisting the state to a
 * file), the plugin schedules them on Jenkins' timer, so a restart resumes instead of starting over.
 */
public interface StepMachine<S> {

    Tick<S> tick(S state);

    /** The user aborted: bring AWS to a safe end state and return the final state. */
    S abort(S state, String reason);

    record Tick<S>(S state, Instant wakeAt, boolean done) {
        public static <S> Tick<S> wakeAt(S state, Instant when) {
            return new Tick<>(state, when, false);
        }

        public static <S> Tick<S> done(S state) {
            return new Tick<>(state, null, true);
        }
    }
}
