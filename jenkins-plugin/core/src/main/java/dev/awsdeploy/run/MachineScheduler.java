package dev.awsdeploy.run;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs many {@link StepMachine}s on a few threads: each tick is a task on a scheduled executor, and between ticks
 * a machine holds no thread, only its next wake-up. The CLI runs its one machine on a scheduler of one thread; the
 * plugin runs every build's machines on Jenkins' own timer. An abort wakes the machine at once (its next tick is
 * brought forward, never run twice at a time), so it can make AWS safe without waiting for its poll.
 */
public final class MachineScheduler implements AutoCloseable {
    private final ScheduledExecutorService executor;
    private final boolean owned;
    private final Set<Job<?>> jobs = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** On an executor owned by someone else (Jenkins' timer); {@link #close()} stops only this scheduler's work. */
    public MachineScheduler(ScheduledExecutorService executor) {
        this(executor, false);
    }

    private MachineScheduler(ScheduledExecutorService executor, boolean owned) {
        this.executor = executor;
        this.owned = owned;
    }

    /** On daemon threads of its own, shut down by {@link #close()}. */
    public static MachineScheduler withThreads(int threads, String name) {
        AtomicInteger n = new AtomicInteger();
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(threads, r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.setRemoveOnCancelPolicy(true);
        return new MachineScheduler(pool, true);
    }

    /**
     * Runs {@code work} (a step's first piece: read the input, plan, act up to the first wait) on the scheduler's
     * threads, so that starting many steps at once does not take a thread each either.
     */
    public <T> CompletableFuture<T> supply(java.util.function.Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, executor);
    }

    /** Whether {@link #close()} was called: its machines are abandoned, their results never come. */
    public boolean isClosed() {
        return closed;
    }

    /** Machines scheduled and not yet finished. */
    public int active() {
        return jobs.size();
    }

    /**
     * Starts {@code machine} from the store's saved state, or {@code initial}; the future completes with the final
     * state (the store is then cleared), or exceptionally when a tick throws (the saved state stays, for a resume).
     *
     * @param around runs each tick, e.g. under the build's authentication; {@code Runnable::run} for none
     */
    public <S> CompletableFuture<S> start(StepMachine<S> machine, S initial, StateStore<S> store, StepClock clock,
                                          AbortSignal abort, Consumer<Runnable> around) {
        Job<S> job = new Job<>(machine, store.load().orElse(initial), store, clock, abort, around);
        jobs.add(job);
        abort.onAbort(job.waker);
        job.schedule(Duration.ZERO);
        return job.result;
    }

    /**
     * Stops scheduling. Unfinished machines are abandoned, not failed: their futures never complete, and their saved
     * state stays for a resume (the plugin closes its scheduler when Jenkins stops, and its steps resume after).
     */
    @Override
    public void close() {
        closed = true;
        for (Job<?> j : jobs) {
            j.cancel();
        }
        if (owned) {
            executor.shutdownNow();
        }
    }

    private final class Job<S> {
        final StepMachine<S> machine;
        final StateStore<S> store;
        final StepClock clock;
        final AbortSignal abort;
        final Consumer<Runnable> around;
        final CompletableFuture<S> result = new CompletableFuture<>();
        final Runnable waker = this::wake;
        S state;
        ScheduledFuture<?> next;
        boolean running;

        Job(StepMachine<S> machine, S state, StateStore<S> store, StepClock clock, AbortSignal abort,
            Consumer<Runnable> around) {
            this.machine = machine;
            this.state = state;
            this.store = store;
            this.clock = clock;
            this.abort = abort;
            this.around = around;
        }

        synchronized void schedule(Duration delay) {
            if (result.isDone()) {
                return;
            }
            if (closed) {
                jobs.remove(this);
                return;
            }
            try {
                next = executor.schedule(this::step, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                if (!closed) {
                    fail(e);
                }
            }
        }

        /** An abort: run the next tick now (a tick in progress sees the abort when it ends). */
        synchronized void wake() {
            if (running || result.isDone()) {
                return;
            }
            if (next == null || next.cancel(false)) {
                schedule(Duration.ZERO);
            }
        }

        synchronized void cancel() {
            if (next != null) {
                next.cancel(false);
            }
            jobs.remove(this);
            abort.removeOnAbort(waker);
        }

        void step() {
            synchronized (this) {
                if (running || result.isDone()) {
                    return;
                }
                running = true;
                next = null;
            }
            try {
                around.accept(this::tick);
            } catch (Throwable t) {
                fail(t);
            }
        }

        private void tick() {
            if (abort.aborted()) {
                finish(machine.abort(state, abort.reason()));
                return;
            }
            StepMachine.Tick<S> t = machine.tick(state);
            state = t.state();
            if (t.done()) {
                finish(state);
                return;
            }
            store.save(state);
            Duration wait;
            try {
                wait = clock.waitBefore(t.wakeAt());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                wait = Duration.ZERO;
            }
            synchronized (this) {
                running = false;
                schedule(abort.aborted() ? Duration.ZERO : wait);
            }
        }

        private void finish(S end) {
            store.clear();
            done();
            result.complete(end);
        }

        private void fail(Throwable t) {
            done();
            result.completeExceptionally(t);
        }

        private void done() {
            synchronized (this) {
                running = false;
            }
            jobs.remove(this);
            abort.removeOnAbort(waker);
        }
    }
}
