package dev.awsdeploy.testing;

import dev.awsdeploy.run.StepClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A clock whose sleeps return at once, moving time forward: a 5-minute bake runs in milliseconds against real
 * AWS endpoints. Hooks let a test change the world at a given moment ("at 2 minutes, set the alarm to ALARM").
 */
public final class FakeClock implements StepClock {
    private Instant now;
    private final List<Hook> hooks = new ArrayList<>();
    private final List<Map.Entry<BooleanSupplier, Runnable>> conditions = new ArrayList<>();

    private record Hook(Instant at, Consumer<Instant> action) {
    }

    public FakeClock(Instant start) {
        this.now = start;
    }

    public FakeClock() {
        this(Instant.parse("2026-11-25T12:00:00Z"));
    }

    @Override
    public synchronized Instant now() {
        return now;
    }

    @Override
    public void sleepUntil(Instant t) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        List<Hook> due = new ArrayList<>();
        synchronized (this) {
            if (t.isAfter(now)) {
                now = t;
            }
            hooks.removeIf(h -> {
                if (!h.at().isAfter(now)) {
                    due.add(h);
                    return true;
                }
                return false;
            });
        }
        due.forEach(h -> h.action().accept(now));
        List<Runnable> met = new ArrayList<>();
        synchronized (this) {
            conditions.removeIf(c -> {
                if (c.getKey().getAsBoolean()) {
                    met.add(c.getValue());
                    return true;
                }
                return false;
            });
        }
        met.forEach(Runnable::run);
    }

    /** Runs {@code action} once, at the first sleep when {@code condition} holds ("once the step registered"). */
    public synchronized FakeClock atFirstSleepWhen(BooleanSupplier condition, Runnable action) {
        conditions.add(Map.entry(condition, action));
        return this;
    }

    /** Runs {@code action} once the clock has passed {@code after} from its start. */
    public synchronized FakeClock at(Duration after, Runnable action) {
        hooks.add(new Hook(now.plus(after), t -> action.run()));
        return this;
    }

    public synchronized void advance(Duration d) {
        now = now.plus(d);
    }
}
