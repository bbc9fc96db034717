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
 */
final class Spool extends OutputStream {
    private static final int CHUNK = 1 << 20;
    private static final AtomicLong BUDGET = new AtomicLong(Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 4));

    private final List<byte[]> chunks = new ArrayList<>();
    private final Path spillFile;
    private OutputStream spill;
    private byte[] current;
    private int used;
    private long reserved;
    private long size;
    private boolean released;

    Spool(Path spillFile) {
        this.spillFile = spillFile;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        size += len;
        while (len > 0) {
            if (spill != null) {
                spill.write(b, off, len);
                return;
            }
            if (current == null || used == current.length) {
                if (BUDGET.addAndGet(-CHUNK) < 0) {
                    BUDGET.addAndGet(CHUNK);
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
            off += n;
            len -= n;
        }
    }

    @Override
    public void close() throws IOException {
        if (spill != null) {
            spill.close();
        }
    }

    long size() {
        return size;
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
            chunks.clear();
            BUDGET.addAndGet(reserved);
        }
    }
}
