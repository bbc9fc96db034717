package dev.awsdeploy.ecr;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where a compressed layer waits for its upload: in memory while a JVM-wide budget allows (a quarter of the heap,
 * at most 1 GiB), then in a file of the run's folder. Keeping layers in memory spares the disk a second copy of the
 * image, which on a busy agent costs more than the compression itself.
 *
 * <p>An upload may {@link #follow} the spool while it is still being written: it gets the bytes as they come, so a
 * layer is sent while it is compressed (see {@code EcrRegistry.pushStreamed}).
 */
final class Spool extends OutputStream {
    private static final int CHUNK = 1 << 20;
    private static final AtomicLong BUDGET = new AtomicLong(Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 4));

    private final AtomicLong budget;
    private final List<byte[]> chunks = new ArrayList<>();
    private final Path spillFile;
    private OutputStream spill;
    private byte[] current;
    private int used;
    private long reserved;
    private long size;
    /** Bytes held in {@link #chunks} (all of them unless the spool spilled to its file). */
    private long inMemory;
    private boolean closed;
    private boolean released;

    Spool(Path spillFile) {
        this(spillFile, BUDGET);
    }

    /** A spool drawing on its own memory budget (a test's, to make it spill). */
    Spool(Path spillFile, AtomicLong budget) {
        this.spillFile = spillFile;
        this.budget = budget;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        try {
            append(b, off, len);
        } finally {
            notifyAll();
        }
    }

    private void append(byte[] b, int off, int len) throws IOException {
        size += len;
        while (len > 0) {
            if (spill != null) {
                spill.write(b, off, len);
                return;
            }
            if (current == null || used == current.length) {
                if (budget.addAndGet(-CHUNK) < 0) {
                    budget.addAndGet(CHUNK);
                    spill = new BufferedOutputStream(Files.newOutputStream(spillFile), 1 << 16);
                    continue;
                }
                reserved += CHUNK;
                current = new byte[CHUNK];
                chunks.add(current);
                used = 0;
            }
            int n = Math.min(len, current.length - used);
            System.arraycopy(b, off, current, used, n);
            used += n;
            inMemory += n;
            off += n;
            len -= n;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (spill != null && !closed) {
                spill.close();
            }
        } finally {
            closed = true;
            notifyAll();
        }
    }

    synchronized long size() {
        return size;
    }

    /**
     * Writes the bytes as the spool receives them, until it is closed (what spilled to the file, once it is
     * closed); may be called again, also by a retried upload. The caller learns from the writer whether what was
     * written is whole (a compression that failed closes its spool too).
     */
    void follow(OutputStream out) throws IOException {
        long at = 0;
        while (true) {
            byte[] chunk = null;
            int from = 0;
            int n = 0;
            synchronized (this) {
                while (!released && at >= inMemory && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted while following a layer's compression");
                    }
                }
                if (released) {
                    throw new IOException("the layer's bytes were released (the push is ending)");
                }
                if (at < inMemory) {
                    chunk = chunks.get((int) (at / CHUNK));
                    from = (int) (at % CHUNK);
                    n = (int) Math.min(CHUNK - from, inMemory - at);
                } else if (spill == null || size == inMemory) {
                    return;
                }
            }
            if (chunk == null) {
                try (InputStream in = Files.newInputStream(spillFile)) {
                    in.transferTo(out);
                }
                return;
            }
            out.write(chunk, from, n);
            at += n;
        }
    }

    /** Writes the spooled bytes, in order; may be called again (a retried upload). */
    void writeTo(OutputStream out) throws IOException {
        long left = size;
        for (byte[] c : chunks) {
            int n = (int) Math.min(c.length, left);
            out.write(c, 0, n);
            left -= n;
        }
        if (spill != null && left > 0) {
            try (InputStream in = Files.newInputStream(spillFile)) {
                in.transferTo(out);
            }
        }
    }

    /** Gives the memory back to the budget (the file goes with the run's folder). */
    synchronized void release() {
        if (!released) {
            released = true;
            notifyAll();
            chunks.clear();
            budget.addAndGet(reserved);
        }
    }
}
