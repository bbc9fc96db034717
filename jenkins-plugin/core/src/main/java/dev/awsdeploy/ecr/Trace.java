package dev.awsdeploy.ecr;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * Where a push spends its time, for the benchmark: with {@code AWS_DEPLOY_TRACE=1} each phase, AWS call and
 * registry round trip is written to stderr as the JVM's uptime, the classes loaded so far and how long it took.
 * Off (the default), nothing is measured and the management classes it uses are never loaded.
 */
final class Trace {
    private static volatile PrintStream out;

    private Trace() {
    }

    static void start(Map<String, String> env) {
        out = "1".equals(env.get("AWS_DEPLOY_TRACE")) ? System.err : null;
        long main = dev.awsdeploy.run.Startup.mainEnteredMillis();
        if (out != null && main > 0) {
            line(main - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime(), "",
                    "CLI main entered (the JVM's own start before this)");
        }
        mark("step started (CLI parsing and the step's classes before this)");
    }

    static boolean on() {
        return out != null;
    }

    /** A point in time: uptime and classes loaded. */
    static void mark(String what) {
        if (out != null) {
            line(java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime(),
                    java.lang.management.ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount(), what);
        }
    }

    private static void line(long uptimeMs, Object classes, String what) {
        PrintStream o = out;
        if (o != null) {
            o.println(String.format(Locale.ROOT, "trace %6d ms  %5s classes  %s", uptimeMs, classes, what));
        }
    }

    /** A span: {@code what} took from {@code startNanos} until now (an AWS call, a registry request). */
    static void span(String what, long startNanos) {
        if (out != null) {
            mark(String.format(Locale.ROOT, "%-44s %5.0f ms", what, (System.nanoTime() - startNanos) / 1e6));
        }
    }
}
