package dev.awsdeploy.aws;

import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * A call that creates something (RegisterTaskDefinition, CreateDeployment, CreateRepository …) is never retried
 * blindly: when its answer is lost, AWS may have done it, and a retry would do it twice. So it is sent once,
 * without the SDK's retries ({@link #ONCE}); before it, and after a failed or unanswered attempt, the caller's
 * {@code find} looks for what an earlier attempt may have created. A failure that found nothing is thrown for
 * {@link RetryPolicy} to try again later — which looks first again.
 */
public final class CreatingCall {
    /** Per-request: no SDK retries (add with {@code overrideConfiguration(o -> o.addPlugin(ONCE))}). */
    public static final SdkPlugin ONCE = config -> config.overrideConfiguration(config.overrideConfiguration()
            .toBuilder().retryStrategy(AwsRetryStrategy.doNotRetry()).build());

    private CreatingCall() {
    }

    /** What {@link #run} returns: the thing, and whether this call created it. */
    public record Outcome<T>(T value, boolean created, boolean foundAfterFailure) {
    }

    /**
     * Finds what exists, or creates it once.
     *
     * @param find   what an earlier attempt (of this or a previous run) created, if anything
     * @param create the creating call, sent with {@link #ONCE}
     */
    public static <T> Outcome<T> run(Supplier<Optional<T>> find, Supplier<T> create) {
        Optional<T> there = find.get();
        if (there.isPresent()) {
            return new Outcome<>(there.get(), false, false);
        }
        try {
            return new Outcome<>(create.get(), true, false);
        } catch (SdkException e) {
            Optional<T> made;
            try {
                made = find.get();
            } catch (SdkException lookFailed) {
                e.addSuppressed(lookFailed);
                throw e;
            }
            if (made.isPresent()) {
                return new Outcome<>(made.get(), true, true);
            }
            throw e;
        }
    }
}
