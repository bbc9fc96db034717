package dev.awsdeploy.run;

import java.time.Duration;
import java.time.Instant;

/** Time for waits and bakes, injected so tests of long waits run in milliseconds. */
public interface StepClock {
    Instant now();

    /** Sleeps until {@code t}; returns early with InterruptedException when the run is aborted. */
    void sleepUntil(Instant t) throws InterruptedException;

    /**
     * How long a scheduler waits before running what is due at {@code t}. The system clock answers the time left and
     * never sleeps; a virtual clock (tests) moves its time to {@code t} by its {@link #sleepUntil} and answers zero.
     */
    default Duration waitBefore(Instant t) throws InterruptedException {
        sleepUntil(t);
        return Duration.ZERO;
    }

    static StepClock system() {
        return new StepClock() {
            @Override
            public Instant now() {
                return Instant.now();
            }

            @Override
            public Duration waitBefore(Instant t) {
                Duration left = Duration.between(Instant.now(), t);
                return left.isNegative() ? Duration.ZERO : left;
            }

            @Override
            public void sleepUntil(Instant t) throws InterruptedException {
                long ms = Duration.between(Instant.now(), t).toMillis();
                if (ms > 0) {
                    Thread.sleep(ms);
                }
            }
        };
    }
}
