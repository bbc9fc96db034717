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
        ProcessBuilder pb = new ProcessBuilder([Repo.path('bin/aws-deploy')] + args).directory(dir.toFile())
                .redirectError(dir.resolve("err-${System.nanoTime()}.txt").toFile())
                .redirectOutput(dir.resolve("out-${System.nanoTime()}.txt").toFile())
        pb.environment().putAll(env)
        return pb.start()
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
