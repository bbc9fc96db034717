package dev.awsdeploy.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The scheduler itself, with a machine that only counts (the steps' machines are tested against moto in their own
 * tests, which run through the CLI and so through this scheduler): many machines share a few threads, a waiting
 * machine holds none, an abort wakes it at once, and the state is saved after every tick and cleared at the end.
 */
class MachineSchedulerTest {

    /** Counts to {@code to}, waking every {@code every}; on abort it records why. */
    record Counter(int n, String abortedBecause) {
    }

    static final class Counting implements StepMachine<Counter> {
        final int to;
        final Duration every;
        final Set<String> threads = ConcurrentHashMap.newKeySet();

        Counting(int to, Duration every) {
            this.to = to;
            this.every = every;
        }

        @Override
        public Tick<Counter> tick(Counter s) {
            threads.add(Thread.currentThread().getName());
            Counter next = new Counter(s.n() + 1, null);
            return next.n() >= to ? Tick.done(next) : Tick.wakeAt(next, Instant.now().plus(every));
        }

        @Override
        public Counter abort(Counter s, String reason) {
            return new Counter(s.n(), reason);
        }
    }

    static final class MemoryStore implements StateStore<Counter> {
        final List<Counter> saved = new ArrayList<>();
        Counter current;
        boolean cleared;

        MemoryStore(Counter start) {
            current = start;
        }

        @Override
        public synchronized Optional<Counter> load() {
            return Optional.ofNullable(current);
        }

        @Override
        public synchronized void save(Counter state) {
            saved.add(state);
            current = state;
        }

        @Override
        public synchronized void clear() {
            cleared = true;
            current = null;
        }
    }

    @Test
    void twoHundredWaitingMachinesShareTwoThreads() throws Exception {
        try (MachineScheduler scheduler = MachineScheduler.withThreads(2, "test-scheduler")) {
            List<CompletableFuture<Counter>> all = new ArrayList<>();
            List<Counting> machines = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                Counting m = new Counting(5, Duration.ofMillis(100));
                machines.add(m);
                all.add(scheduler.start(m, new Counter(0, null), StateStore.none(), StepClock.system(),
                        new AbortSignal(), Runnable::run));
            }
            for (CompletableFuture<Counter> f : all) {
                assertEquals(5, f.get(10, TimeUnit.SECONDS).n());
            }
            Set<String> used = ConcurrentHashMap.newKeySet();
            machines.forEach(m -> used.addAll(m.threads));
            assertTrue(used.size() <= 2 && used.stream().allMatch(t -> t.startsWith("test-scheduler-")), used.toString());
            assertEquals(0, scheduler.active());
        }
    }

    @Test
    void anAbortWakesAMachineThatWaitsForAnHourAtOnceAndTheStateIsClearedAtTheEnd() throws Exception {
        try (MachineScheduler scheduler = MachineScheduler.withThreads(1, "test-scheduler")) {
            MemoryStore store = new MemoryStore(null);
            AbortSignal abort = new AbortSignal();
            CompletableFuture<Counter> f = scheduler.start(new Counting(10, Duration.ofHours(1)),
                    new Counter(0, null), store, StepClock.system(), abort, Runnable::run);
            while (store.saved.isEmpty()) {
                Thread.sleep(5);
            }
            abort.abort("aborted by alice");
            // The machine's next tick was an hour away: ending at all means the abort woke it.
            Counter end = f.get(30, TimeUnit.SECONDS);
            assertEquals(new Counter(1, "aborted by alice"), end);
            assertTrue(store.cleared);
        }
    }

    @Test
    void aMachineResumesFromTheSavedStateNotTheInitialOne() throws Exception {
        try (MachineScheduler scheduler = MachineScheduler.withThreads(1, "test-scheduler")) {
            MemoryStore store = new MemoryStore(new Counter(7, null));
            Counter end = scheduler.start(new Counting(9, Duration.ofMillis(1)), new Counter(0, null), store,
                    StepClock.system(), new AbortSignal(), Runnable::run).get(5, TimeUnit.SECONDS);
            assertEquals(9, end.n());
            assertEquals(List.of(new Counter(8, null)), store.saved);
        }
    }

    @Test
    void aClosedSchedulerAbandonsItsMachinesAndKeepsTheirSavedState() throws Exception {
        MemoryStore store = new MemoryStore(null);
        CompletableFuture<Counter> f;
        try (MachineScheduler scheduler = MachineScheduler.withThreads(1, "test-scheduler")) {
            f = scheduler.start(new Counting(10, Duration.ofHours(1)), new Counter(0, null), store,
                    StepClock.system(), new AbortSignal(), Runnable::run);
            while (store.saved.isEmpty()) {
                Thread.sleep(5);
            }
        }
        Thread.sleep(50);
        assertTrue(!f.isDone(), "a machine of a stopped scheduler neither finishes nor fails");
        assertEquals(Optional.of(new Counter(1, null)), store.load());
    }
}
