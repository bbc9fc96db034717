package dev.awsdeploy.aws;

import dev.awsdeploy.run.AbortSignal;
import dev.awsdeploy.run.StepClock;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The one policy for transient AWS failures, whatever the phase of a step: a call that still fails after the
 * SDK's own attempts (throttling, HTTP 5xx, a connection refused, reset or timed out) is tried again by the
 * engine after 2, 4, 8 and 16 s; only the fifth failure in a row counts as AWS being unavailable. Long steps do
 * this with wake-up times between ticks (no thread waits); the reads a step makes before its first tick use
 * {@link #call}. Any other failure (access denied, validation) is not retried: it will not heal by itself.
 */
public final class RetryPolicy {
    /** Consecutive failed tries (each after the SDK's own attempts) after which AWS counts as unavailable. */
    public static final int MAX_FAILURES = 5;
    private static final long MAX_BACKOFF_SECONDS = 30;

    private RetryPolicy() {
    }

    /** Whether {@code e} may heal by itself: throttling, a 5xx answer, or no answer at all. */
    public static boolean isTransient(Throwable e) {
        if (e instanceof AwsServiceException a) {
            return a.isThrottlingException() || a.statusCode() >= 500 || a.statusCode() == 429;
        }
        // An interrupted call (abort) is not AWS being unavailable.
        return e instanceof SdkClientException && !(e instanceof AbortedException);
    }

    /** The wait before the next try after {@code failures} failures in a row: 2, 4, 8, 16, then 30 s. */
    public static Duration backoff(int failures) {
        return Duration.ofSeconds(Math.min(MAX_BACKOFF_SECONDS, 1L << Math.max(1, Math.min(failures, 5))));
    }

    /** Whether a run that has failed {@code failures} times in a row should try again. */
    public static boolean tryAgain(SdkException e, int failures) {
        return isTransient(e) && failures < MAX_FAILURES;
    }

    /**
     * A read made before a step's machine runs (start-up): tried per the policy, waiting on the run's clock
     * (abortable) in between, and the last failure thrown once the policy is spent.
     *
     * @param say told of each failure that will be tried again
     */
    public static <T> T call(Supplier<T> read, StepClock clock, AbortSignal abort, Consumer<String> say) {
        int failures = 0;
        while (true) {
            try {
                return read.get();
            } catch (SdkException e) {
                failures++;
                if (!tryAgain(e, failures) || abort.aborted()) {
                    throw e;
                }
                Duration wait = backoff(failures);
                say.accept(AwsFailure.describe(e) + " (" + failures + " in a row; trying again in "
                        + wait.toSeconds() + " s)");
                abort.sleepUntil(clock, clock.now().plus(wait));
            }
        }
    }

    /** Why a run gives up after {@code errors} failures in a row during {@code phase}: kept failing, or refused. */
    public static String givingUp(SdkException e, Object phase, int errors, String what) {
        return (isTransient(e) ? "AWS kept failing during " + phase + " (" + errors + " times in a row): "
                : "AWS refused a call during " + phase + ": ") + what;
    }
}
