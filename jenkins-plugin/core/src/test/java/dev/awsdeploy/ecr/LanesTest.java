package dev.awsdeploy.ecr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The compression lanes: while AWS answers, one thread of the pool is left to the step (at most width - 1 layers at
 * once, at least one); once widened, all of them.
 */
class LanesTest {
    @Test
    void oneLaneIsLeftFreeUntilAwsHasAnswered() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            EcrPush.Lanes lanes = new EcrPush.Lanes(3);
            AtomicInteger running = new AtomicInteger();
            AtomicInteger most = new AtomicInteger();
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<?>[] tasks = new CompletableFuture<?>[3];
            for (int i = 0; i < 3; i++) {
                tasks[i] = CompletableFuture.runAsync(() -> {
                    try {
                        lanes.run(() -> {
                            most.accumulateAndGet(running.incrementAndGet(), Math::max);
                            release.await();
                            running.decrementAndGet();
                            return null;
                        });
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool);
            }
            waitFor(() -> running.get() == 2);
            Thread.sleep(100);
            assertEquals(2, running.get(), "two of three lanes before AWS answered");

            lanes.widen();
            lanes.widen(); // once only: still three lanes, not four
            waitFor(() -> running.get() == 3);
            release.countDown();
            CompletableFuture.allOf(tasks).get(10, TimeUnit.SECONDS);
            assertEquals(3, most.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPoolOfTwoCompressesOneLayerAtATimeUntilWidened() throws Exception {
        EcrPush.Lanes lanes = new EcrPush.Lanes(2);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread first = new Thread(() -> {
            try {
                lanes.run(() -> {
                    inside.countDown();
                    release.await();
                    return null;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        first.start();
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> {
            try {
                return lanes.run(() -> "second");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertFalse(second.isDone(), "the second layer waits for the lane");
        lanes.widen();
        assertEquals("second", second.get(10, TimeUnit.SECONDS));
        release.countDown();
        first.join(10_000);
    }

    private static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(5);
        }
    }
}
