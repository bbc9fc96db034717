package dev.awsdeploy.run;

/**
 * Set when the user aborts (SIGINT/SIGTERM in the CLI, the build's abort in Jenkins). Long steps check it
 * between bounded pieces of work and then make AWS safe before they end. A thread is interrupted only while it
 * sleeps between ticks, never in the middle of an AWS call.
 */
public final class AbortSignal {
    private volatile String reason;
    private Thread sleeper;
    private final java.util.List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Runs {@code r} when the run is aborted (at once if it already is): a scheduled machine wakes on it. */
    public void onAbort(Runnable r) {
        listeners.add(r);
        if (aborted()) {
            r.run();
        }
    }

    public void removeOnAbort(Runnable r) {
        listeners.remove(r);
    }

    public boolean aborted() {
        return reason != null;
    }

    public String reason() {
        return reason;
    }

    public synchronized void abort(String why) {
        if (reason == null) {
            reason = why;
        }
        if (sleeper != null) {
            sleeper.interrupt();
        }
        listeners.forEach(Runnable::run);
    }

    /** Sleeps on {@code clock} until {@code t}, waking at once when aborted. */
    public void sleepUntil(StepClock clock, java.time.Instant t) {
        synchronized (this) {
            if (aborted()) {
                return;
            }
            sleeper = Thread.currentThread();
        }
        try {
            clock.sleepUntil(t);
        } catch (InterruptedException e) {
            if (!aborted()) {
                reason = "interrupted";
            }
        } finally {
            synchronized (this) {
                sleeper = null;
                Thread.interrupted();
            }
        }
    }
}
