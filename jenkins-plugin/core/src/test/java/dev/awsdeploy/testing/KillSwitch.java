package dev.awsdeploy.testing;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Kills an in-process run at a chosen request boundary, as SIGKILL would: nothing after that moment runs (no
 * catch, no state save, no clean-up), because {@link Killed} is an {@link Error} the SDK and the engine let
 * through. Registered for every SDK client of the test JVM (software/amazon/awssdk/global/handlers/
 * execution.interceptors) but inert until {@link #arm}; it counts only the HTTP attempts made while armed.
 *
 * <p>Moments of attempt {@code n}: {@code BEFORE} it is sent; {@code AFTER_CHANGE} AWS received and applied it
 * but its answer never reaches the caller; {@code AFTER_ANSWER} the caller has the answer but nothing after it
 * ran (the state is not saved).
 */
public final class KillSwitch implements ExecutionInterceptor {

    public enum Moment { BEFORE, AFTER_CHANGE, AFTER_ANSWER }

    /** What a kill throws: the run stops right there. */
    public static final class Killed extends Error {
        private static final long serialVersionUID = 1L;

        Killed(String where) {
            super("killed " + where);
        }
    }

    /** One HTTP attempt seen while armed: its number (1-based), operation, and whether it changes AWS. */
    public record Attempt(int number, String operation) {
        public boolean mutating() {
            return MotoServer.mutating(operation, "POST");
        }
    }

    private static volatile boolean armed;
    private static volatile int killAt;
    private static volatile Moment moment;
    private static volatile String killOp;
    private static int opSeen;
    private static final List<Attempt> seen = new ArrayList<>();
    private static final software.amazon.awssdk.core.interceptor.ExecutionAttribute<Integer> ATTEMPT =
            new software.amazon.awssdk.core.interceptor.ExecutionAttribute<>("KillSwitchAttempt");

    /** From now on count attempts; kill at attempt {@code n} (0: never) at {@code when}. */
    public static synchronized void arm(int n, Moment when) {
        seen.clear();
        opSeen = 0;
        killAt = n;
        killOp = null;
        moment = when;
        armed = true;
    }

    /** From now on count attempts; kill at the {@code occurrence}th attempt of {@code operation}. */
    public static synchronized void armAt(String operation, int occurrence, Moment when) {
        arm(-occurrence, when);
        killOp = operation;
    }

    public static synchronized List<Attempt> disarm() {
        armed = false;
        return List.copyOf(seen);
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        if (!armed) {
            return;
        }
        int n;
        String op = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        synchronized (KillSwitch.class) {
            n = seen.size() + 1;
            seen.add(new Attempt(n, op));
            if (killOp != null && op.equals(killOp) && ++opSeen == -killAt) {
                killAt = n;
                killOp = null;
            }
        }
        attributes.putAttribute(ATTEMPT, n);
        kill(n, Moment.BEFORE);
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        Integer n = attributes.getAttribute(ATTEMPT);
        if (armed && n != null) {
            kill(n, Moment.AFTER_CHANGE);
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        Integer n = attributes.getAttribute(ATTEMPT);
        if (armed && n != null) {
            kill(n, Moment.AFTER_ANSWER);
        }
    }

    private static void kill(int n, Moment now) {
        if (n == killAt && now == moment) {
            armed = false;
            throw new Killed(now + " attempt " + n);
        }
    }
}
