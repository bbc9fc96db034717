package dev.awsdeploy.ecr;

import dev.awsdeploy.run.StepFailedException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * The uncompressed layers this push compresses, checked against the image config before anything is tagged: each
 * layer's bytes must hash to the config's {@code rootfs.diff_ids} entry for it, or the image would be refused when
 * pulled ("layers from manifest don't match image configuration"); a match is what the layer cache records.
 *
 * <p>A layer is hashed once its compressed bytes have been sent, while the registry is still reading and committing
 * them: the hash then uses a core the push would leave idle, instead of slowing the compression that the uploads
 * wait for. {@link #verify} hashes whatever has not been yet, and waits.
 */
final class LayerChecks {
    private final Executor pool;
    private final LayerCache cache;
    private final Map<Spool, Check> bySpool = new ConcurrentHashMap<>();

    LayerChecks(Executor pool, LayerCache cache) {
        this.pool = pool;
        this.cache = cache;
    }

    /**
     * Layer {@code index} (from 0) of the image, about to be compressed into {@code spool}; {@code label} names it for
     * the user ("layer 2 of 3").
     */
    void add(Spool spool, LocalImage.Layer layer, int index, String diffId, String label) {
        bySpool.put(spool, new Check(layer, index, diffId, label));
    }

    /** What the layer compressed to (recorded in the layer cache once its bytes match the config). */
    void compressed(Spool spool, String digest, long size) {
        Check c = bySpool.get(spool);
        if (c != null) {
            c.digest = digest;
            c.size = size;
        }
    }

    /** {@code content}, after whose writing the layer compressed into {@code spool} (if any) counts as sent. */
    EcrRegistry.Content sentAfter(Spool spool, EcrRegistry.Content content) {
        return spool == null ? content : out -> {
            content.writeTo(out);
            sent(spool);
        };
    }

    /** The layer's compressed bytes have been sent (or are not needed): its uncompressed bytes may be hashed now. */
    void sent(Spool spool) {
        Check c = spool == null ? null : bySpool.get(spool);
        if (c != null) {
            c.start();
        }
    }

    /**
     * Every layer's bytes against the config: the layers that match are recorded in the layer cache, then the first
     * that differs fails the push (nothing is tagged).
     */
    void verify() {
        List<Check> checks = bySpool.values().stream().sorted(java.util.Comparator.comparingInt(c -> c.index))
                .toList();
        checks.forEach(Check::start);
        Check differs = null;
        String found = null;
        for (Check c : checks) {
            String content = c.await();
            if (c.diffId != null && !content.equals(c.diffId)) {
                if (differs == null) {
                    differs = c;
                    found = content;
                }
            } else if (c.digest != null) {
                cache.store(content, c.digest, c.size);
            }
        }
        if (differs != null) {
            throw new StepFailedException(differs.label + " of the image (" + differs.layer.name() + ") is not the "
                    + "layer its config names: its bytes hash to " + found + ", the config's rootfs.diff_ids lists "
                    + differs.diffId + " for it, so the image would be refused when pulled. The archive is damaged or "
                    + "was changed after it was written; nothing was tagged: write it again (docker save) and push "
                    + "that");
        }
    }

    private final class Check {
        private final LocalImage.Layer layer;
        private final int index;
        private final String diffId;
        private final String label;
        private final CompletableFuture<String> content = new CompletableFuture<>();
        private final java.util.concurrent.atomic.AtomicBoolean started =
                new java.util.concurrent.atomic.AtomicBoolean();
        private volatile String digest;
        private volatile long size;

        Check(LocalImage.Layer layer, int index, String diffId, String label) {
            this.layer = layer;
            this.index = index;
            this.diffId = diffId;
            this.label = label;
        }

        void start() {
            if (!started.compareAndSet(false, true)) {
                return;
            }
            try {
                pool.execute(() -> {
                    try {
                        content.complete(LayerGzip.digest(layer.file(), layer.offset(), layer.size()));
                    } catch (IOException | RuntimeException e) {
                        content.completeExceptionally(e);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                content.completeExceptionally(e); // the push is ending
            }
        }

        String await() {
            try {
                return content.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StepFailedException("interrupted");
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                throw new StepFailedException("reading " + label + " of the image again, to check it against the "
                        + "config, failed: " + (c instanceof IOException ? c.getMessage() : String.valueOf(c)), c);
            }
        }
    }
}
