package dev.awsdeploy.library

import dev.awsdeploy.testing.Repo
import java.nio.file.Path

/**
 * Runs the real bin/aws-deploy as processes in a folder, each with its own stdout/stderr files, for tests of
 * signals, kills and resumption.
 */
class CliProcesses {
    final Path dir
    final Map<String, String> env

    CliProcesses(Path dir, Map<String, String> env) {
        this.dir = dir
        this.env = env
    }

    Process run(List<String> args) {
        return run(args, String.valueOf(System.nanoTime()), [:])
    }

    /** A run whose output goes to out-NAME.txt and err-NAME.txt ({@link #of}), with {@code extraEnv} added. */
    Process run(List<String> args, String name, Map<String, String> extraEnv) {
        ProcessBuilder pb = new ProcessBuilder([Repo.path('bin/aws-deploy')] + args).directory(dir.toFile())
                .redirectError(dir.resolve("err-${name}.txt").toFile())
                .redirectOutput(dir.resolve("out-${name}.txt").toFile())
        pb.environment().putAll(env)
        pb.environment().putAll(extraEnv)
        return pb.start()
    }

    /** What the run called {@code name} wrote to 'out' or 'err' so far. */
    String of(String kind, String name) {
        File f = dir.resolve("${kind}-${name}.txt").toFile()
        return f.exists() ? f.getText('UTF-8') : ''
    }

    /** Starts a run and returns once its timeline shows {@code waitFor}. */
    Process started(List<String> args, String waitFor, long timeoutMillis = 30_000) {
        Process p = run(args)
        long until = System.currentTimeMillis() + timeoutMillis
        while (System.currentTimeMillis() < until) {
            if (latest('err').contains(waitFor)) {
                return p
            }
            Thread.sleep(50)
        }
        throw new AssertionError("never saw '${waitFor}': ${latest('err')}")
    }

    /** What the latest run wrote to 'out' or 'err'. */
    String latest(String kind) {
        File f = dir.toFile().listFiles().findAll { it.name.startsWith(kind + '-') }.max { it.name }
        return f ? f.getText('UTF-8') : ''
    }
}
