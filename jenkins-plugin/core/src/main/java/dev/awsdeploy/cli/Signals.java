package dev.awsdeploy.cli;

import dev.awsdeploy.run.AbortSignal;
import sun.misc.Signal;

/**
 * SIGINT and SIGTERM abort the running step, which then makes AWS safe (puts traffic back, stops a deployment)
 * before the process ends. A second signal ends the process at once.
 */
final class Signals {
    private Signals() {
    }

    static void onInterrupt(AbortSignal abort) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), s -> {
                    if (abort.aborted()) {
                        Runtime.getRuntime().halt(128 + s.getNumber());
                    }
                    abort.abort("aborted by SIG" + s.getName());
                });
            } catch (IllegalArgumentException e) {
                // the platform has no such signal; nothing to do
            }
        }
    }
}
