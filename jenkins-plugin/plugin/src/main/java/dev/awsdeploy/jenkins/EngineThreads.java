package dev.awsdeploy.jenkins;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the engine runs on the controller: daemon threads of our own, never a build executor nor the Pipeline
 * (CPS) thread. The engine's waits sleep in such a thread; the StepExecution has returned long before.
 */
final class EngineThreads {
    private static final AtomicInteger COUNT = new AtomicInteger();

    static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "aws-deploy engine #" + COUNT.incrementAndGet());
        t.setDaemon(true);
        // The AWS SDK finds its interceptors and partitions through the context class loader.
        t.setContextClassLoader(EngineThreads.class.getClassLoader());
        return t;
    });

    private EngineThreads() {
    }
}
