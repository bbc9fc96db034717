package dev.awsdeploy.jenkins;

import dev.awsdeploy.aws.AwsContext;
import dev.awsdeploy.run.MachineScheduler;
import hudson.init.Terminator;
import hudson.security.ACL;
import hudson.security.ACLContext;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.util.Timer;
import org.springframework.security.core.Authentication;

/**
 * Where the engine works on the controller: Jenkins' own timer ({@link Timer}), never a thread of ours, an executor
 * or the Pipeline (CPS) thread. A step's first piece (reading input, planning, acting up to its first wait) and each
 * tick of its machine are timer tasks; between ticks a waiting step holds no thread. Each piece runs under the
 * build's authentication and with the plugin's class loader (the AWS SDK finds its interceptors through it).
 * <p>
 * When Jenkins stops, its scheduler is closed: nothing more is scheduled and no step of that Jenkins is completed
 * (a step checks its own scheduler, so a Jenkins started again in this JVM is not affected); the steps' saved
 * states are resumed after the restart ({@code onResume}).
 */
final class ControllerWork {
    private static final Logger LOGGER = Logger.getLogger(ControllerWork.class.getName());
    private static MachineScheduler scheduler;

    private ControllerWork() {
    }

    static synchronized MachineScheduler scheduler() {
        if (scheduler == null) {
            scheduler = new MachineScheduler(Timer.get());
        }
        return scheduler;
    }

    /** Runs {@code work} on the timer as {@code auth}. */
    static Future<?> submit(Authentication auth, Runnable work) {
        return Timer.get().submit(() -> as(auth).accept(work));
    }

    /** What each piece of engine work runs inside: the build's authentication and the plugin's class loader. */
    static Consumer<Runnable> as(Authentication auth) {
        return work -> {
            Thread current = Thread.currentThread();
            ClassLoader previous = current.getContextClassLoader();
            current.setContextClassLoader(ControllerWork.class.getClassLoader());
            try (ACLContext ignored = ACL.as2(auth)) {
                work.run();
            } finally {
                current.setContextClassLoader(previous);
            }
        };
    }

    /** Jenkins is stopping: schedule nothing more, close the SDK's shared HTTP client and timeout thread. */
    @Terminator
    public static void stop() {
        MachineScheduler s;
        synchronized (ControllerWork.class) {
            s = scheduler;
            scheduler = null;
        }
        if (s != null) {
            LOGGER.log(Level.FINE, "stopping {0} waiting aws-deploy steps; they resume after the restart", s.active());
            s.close();
        }
        AwsContext.shutdownShared();
    }
}
