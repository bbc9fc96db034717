package dev.awsdeploy.library

import dev.awsdeploy.testing.Repo
import dev.awsdeploy.testing.TempFolders
import java.nio.file.Path

/**
 * Runs the real bin/aws-deploy as processes in a temporary folder of their own, each with its own stdout/stderr
 * files, for tests of signals, kills and resumption. {@link #close} (in the test's @After) stops every process
 * still running and deletes the folder, also when the test failed.
 */
class CliProcesses implements Closeable {
    final Path dir
    final Map<String, String> env
    private final List<Process> started = []

    CliProcesses(Map<String, String> env) {
        this.dir = TempFolders.create('cli')
        this.env = env
    }

    Process run(List<String> args) {
        ProcessBuilder pb = new ProcessBuilder([Repo.path('bin/aws-deploy')] + args).directory(dir.toFile())
                .redirectError(dir.resolve("err-${System.nanoTime()}.txt").toFile())
                .redirectOutput(dir.resolve("out-${System.nanoTime()}.txt").toFile())
        pb.environment().putAll(env)
        Process p = pb.start()
        started << p
        return p
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

    @Override
    void close() {
        started.each { TempFolders.stop(it) }
        TempFolders.delete(dir)
    }
}
