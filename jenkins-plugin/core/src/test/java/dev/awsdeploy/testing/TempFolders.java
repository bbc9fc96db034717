package dev.awsdeploy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Temporary folders of the test servers and process tests: made in {@code java.io.tmpdir} (the build gives each
 * module its own, under {@code target/tmp}) and deleted with everything in them when their owner stops.
 */
public final class TempFolders {
    private TempFolders() {
    }

    public static Path create(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder in " + root(), e);
        }
    }

    /** Deletes the folder and everything in it; a folder already gone is fine. */
    public static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the temporary folder " + dir, e);
        }
    }

    /** The temporary folder of this JVM. */
    public static Path root() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** The names in the temporary folder now. */
    public static Set<String> entries() {
        try (Stream<Path> s = Files.list(root())) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root(), e);
        }
    }

    /** Stops a process (SIGTERM, then SIGKILL after 10 s) and waits until it is gone. */
    public static void stop(Process p) {
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
