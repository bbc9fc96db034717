package dev.awsdeploy.ecr;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What an uncompressed layer compressed to last time: (the digest of its uncompressed bytes, {@link
 * LayerGzip#SETTINGS}) → (compressed digest, size), one small file per layer in the user's cache folder. It spares an
 * unchanged re-push the compression: the push reads each layer once to hash it, and compresses it only if the
 * registry lacks the result.
 *
 * <p>Nothing is trusted on a name: an entry is found through the layer's diff_id from the image config, but used only
 * after the layer's bytes, read now, hash to that diff_id — a changed file is a miss. A layer compressed later from a
 * hit must come out at the recorded digest and size, or the push fails and the entry is deleted. Off with
 * {@code AWS_DEPLOY_LAYER_CACHE=0}; the folder is {@code AWS_DEPLOY_CACHE_DIR}, else {@code $XDG_CACHE_HOME/aws-deploy}
 * or {@code ~/.cache/aws-deploy}, plus {@code ecr-layers/}; without any of them there is no cache.
 */
final class LayerCache {
    /** Entries kept; the oldest go beyond this (each is under 100 bytes). */
    static final int MAX_ENTRIES = 2000;
    private static final LayerCache NONE = new LayerCache(null);

    private final Path dir;

    /** A recorded compression: the compressed digest and size. */
    record Hit(String digest, long size) {
    }

    private LayerCache(Path dir) {
        this.dir = dir;
    }

    static LayerCache none() {
        return NONE;
    }

    static LayerCache from(Map<String, String> env) {
        if ("0".equals(env.get("AWS_DEPLOY_LAYER_CACHE"))) {
            return NONE;
        }
        Path base;
        if (notBlank(env.get("AWS_DEPLOY_CACHE_DIR"))) {
            base = Path.of(env.get("AWS_DEPLOY_CACHE_DIR"));
        } else if (notBlank(env.get("XDG_CACHE_HOME"))) {
            base = Path.of(env.get("XDG_CACHE_HOME"), "aws-deploy");
        } else if (notBlank(env.get("HOME"))) {
            base = Path.of(env.get("HOME"), ".cache", "aws-deploy");
        } else {
            return NONE;
        }
        return new LayerCache(base.resolve("ecr-layers").resolve(LayerGzip.SETTINGS));
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    boolean enabled() {
        return dir != null;
    }

    /**
     * The recorded compression of this layer, when there is an entry for its claimed diff_id and the layer's bytes,
     * read now, hash to it; else null (the caller compresses, and stores).
     */
    Hit lookup(LocalImage.Layer layer, String diffId) throws IOException {
        if (dir == null || diffId == null || !diffId.matches("sha256:[0-9a-f]{64}")) {
            return null;
        }
        Path entry = dir.resolve(diffId.substring(7));
        List<String> parts;
        try {
            parts = List.of(Files.readString(entry, StandardCharsets.US_ASCII).strip().split(" "));
        } catch (IOException e) {
            return null;
        }
        if (parts.size() != 2 || !parts.get(0).matches("sha256:[0-9a-f]{64}") || !parts.get(1).matches("\\d{1,19}")) {
            forget(diffId);
            return null;
        }
        if (!LayerGzip.digest(layer.file(), layer.offset(), layer.size()).equals(diffId)) {
            return null; // the config's diff_id is not this content: never use the entry for it
        }
        try {
            Files.setLastModifiedTime(entry, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException ignored) {
            // only for pruning
        }
        return new Hit(parts.get(0), Long.parseLong(parts.get(1)));
    }

    /** Records what content (digest of the uncompressed bytes, as computed while compressing) compressed to. */
    void store(String contentDigest, String digest, long size) {
        if (dir == null) {
            return;
        }
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".entry", ".tmp");
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            Files.writeString(tmp, digest + " " + size + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, dir.resolve(contentDigest.substring(7)), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            prune();
        } catch (IOException | RuntimeException e) {
            // a cache that cannot be written only costs the next push a compression
        }
    }

    void forget(String diffId) {
        if (dir != null) {
            try {
                Files.deleteIfExists(dir.resolve(diffId.substring(7)));
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    private void prune() throws IOException {
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.filter(f -> !f.getFileName().toString().startsWith(".")).toList();
        }
        if (entries.size() <= MAX_ENTRIES) {
            return;
        }
        entries.stream().sorted(Comparator.comparingLong(f -> f.toFile().lastModified()))
                .limit(entries.size() - MAX_ENTRIES).forEach(f -> f.toFile().delete());
    }
}
