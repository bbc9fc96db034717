package dev.awsdeploy.ecr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload following a layer's spool while the compression writes it gets exactly the bytes written, in order —
 * also when the spool spills to its file past its memory budget — and stops with an error when the spool is
 * released under it.
 */
class SpoolTest {
    @TempDir
    Path tmp;

    private static byte[] data(int size) {
        byte[] b = new byte[size];
        new Random(7).nextBytes(b);
        return b;
    }

    /** Writes {@code data} in uneven pieces, pausing between them, then closes the spool. */
    private static CompletableFuture<Void> writeSlowly(Spool spool, byte[] data) {
        return CompletableFuture.runAsync(() -> {
            try (spool) {
                int at = 0;
                int piece = 1;
                while (at < data.length) {
                    int n = Math.min(data.length - at, piece * 37_813);
                    spool.write(data, at, n);
                    at += n;
                    piece++;
                    Thread.sleep(1);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static byte[] follow(Spool spool) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                spool.follow(out);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return out.toByteArray();
        }).get(60, TimeUnit.SECONDS);
    }

    @Test
    void aFollowerStartedBeforeTheWritesGetsEveryByteInOrder() throws Exception {
        byte[] data = data(3 * (1 << 20) + 12_345);
        Spool spool = new Spool(tmp.resolve("a.gz"), new AtomicLong(64L << 20));
        CompletableFuture<Void> writing = writeSlowly(spool, data);
        byte[] got = follow(spool);
        writing.get(60, TimeUnit.SECONDS);
        assertArrayEquals(data, got);
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        spool.writeTo(again);
        assertArrayEquals(data, again.toByteArray(), "a retried upload writes the same bytes");
    }

    @Test
    void aSpoolThatSpillsToItsFileIsFollowedToTheEnd() throws Exception {
        byte[] data = data(5 * (1 << 20) + 99);
        // Room for two 1 MiB chunks: the rest goes to the file.
        Spool spool = new Spool(tmp.resolve("b.gz"), new AtomicLong(2L << 20));
        CompletableFuture<Void> writing = writeSlowly(spool, data);
        byte[] got = follow(spool);
        writing.get(60, TimeUnit.SECONDS);
        assertArrayEquals(data, got);
        assertArrayEquals(data, follow(spool), "followed again after the end, as a retried upload does");
    }

    @Test
    void aFollowerOfASpoolReleasedUnderItStopsWithAnError() throws Exception {
        Spool spool = new Spool(tmp.resolve("c.gz"), new AtomicLong(64L << 20));
        spool.write(new byte[1000], 0, 1000);
        CompletableFuture<Void> following = CompletableFuture.runAsync(() -> {
            try {
                spool.follow(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Thread.sleep(100);
        spool.release();
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> following.get(10, TimeUnit.SECONDS));
        org.junit.jupiter.api.Assertions.assertTrue(String.valueOf(e.getCause()).contains("released"),
                String.valueOf(e.getCause()));
    }
}
