package dev.awsdeploy.run;

import java.time.Duration;
import java.time.Instant;

/** Time for waits and bakes, injected so tests of long waits run in milliseconds. */
public interface StepClock {
    Instant now();

    /** Sleeps until {@code t}; returns early with InterruptedException when the run is aborted. */
    void sleepUntil(Instant t) throws InterruptedException;

    static StepClock system() {
        return new StepClock() {
            @Override
            public Instant now() {
                return Instant.now();
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
