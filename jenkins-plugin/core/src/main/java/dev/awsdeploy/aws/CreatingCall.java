package dev.awsdeploy.aws;

import dev.awsdeploy.run.Durations;
import dev.awsdeploy.run.StepFailedException;
import dev.awsdeploy.run.StepRun;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * A call that creates something (RegisterTaskDefinition, CreateDeployment, CreateDeploymentConfig,
 * CreateRepository …) is never retried blindly: when its answer is lost (HTTP 5xx, a dropped connection, a
 * timeout), AWS may have done it, and a retry would do it twice. So it is sent without the SDK's retries — per
 * request ({@link #ONCE}) or on a client of its own ({@link #client}) — and after a failed or unanswered attempt
 * the caller's {@code find} looks for what the attempt may have created before anything is sent again.
 *
 * <p>Two ways to drive it: {@link #run}, one attempt for a step machine whose {@link RetryPolicy} tries again at a
 * later tick (which looks first again), and {@link #create}, which itself makes up to {@link #ATTEMPTS} attempts
 * and looks a few times after each unanswered one (reads are eventually consistent).
 */
public final class CreatingCall {
    /** Per-request: no SDK retries (add with {@code overrideConfiguration(o -> o.addPlugin(ONCE))}). */
    public static final SdkPlugin ONCE = config -> config.overrideConfiguration(config.overrideConfiguration()
            .toBuilder().retryStrategy(AwsRetryStrategy.doNotRetry()).build());
    /** How many times {@link #create} sends the call. */
    public static final int ATTEMPTS = 3;
    /** Pauses before each look of {@link #create} for what an unanswered attempt created. */
    public static final List<Duration> LOOKS = List.of(Duration.ofSeconds(2), Duration.ofSeconds(5),
            Duration.ofSeconds(10));

    private CreatingCall() {
    }

    /** A client of this run that makes each call once, for creating calls only. */
    public static <C extends AutoCloseable, B extends AwsClientBuilder<B, C>> C client(AwsContext aws, B builder,
                                                                                     String serviceEnvName) {
        return aws.configure(builder, serviceEnvName).overrideConfiguration(aws.overrides().toBuilder()
                .retryStrategy(AwsRetryStrategy.doNotRetry()).build()).build();
    }

    /** What {@link #run} returns: the thing, and whether this call created it. */
    public record Outcome<T>(T value, boolean created, boolean foundAfterFailure) {
    }

    /**
     * Finds what exists, or creates it once; a failure is looked after once, and thrown when nothing turned up.
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

    /**
     * Creates with {@code create} (on a client or request without SDK retries); after an unanswered attempt,
     * {@code find} says what that attempt made, if anything, and the call is sent again only when nothing turned
     * up. A refusal (HTTP 4xx) created nothing and goes to the caller; throttling created nothing and is tried
     * again after a pause. Fails, saying nothing was created, after {@link #ATTEMPTS} attempts.
     *
     * @param operation the API call, e.g. CreateDeployment
     * @param what      what is created, for messages: "deployment of s3://releases/app.zip to myapp/prod"
     */
    public static <T> T create(String operation, String what, Supplier<T> create, Supplier<Optional<T>> find,
                               StepRun run) {
        Instant first = run.clock().now();
        SdkException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                return create.get();
            } catch (SdkException e) {
                last = e;
                if (e instanceof AwsServiceException a && a.isThrottlingException()) {
                    pause(run, Duration.ofSeconds(1L << attempt));
                    continue;
                }
                if (e instanceof AwsServiceException a && a.statusCode() >= 400 && a.statusCode() < 500) {
                    throw e;
                }
            }
            run.progress().say("decision", operation + " (attempt " + attempt + ") got no answer: " + describe(last)
                    + " — AWS may have applied it; looking for what it created before anything else");
            for (Duration pause : LOOKS) {
                pause(run, pause);
                Optional<T> found;
                try {
                    found = find.get();
                } catch (SdkException e) {
                    continue;
                }
                if (found.isPresent()) {
                    run.progress().say("decision", "The unanswered " + operation + " did create " + found.get()
                            + ": using it instead of creating a second one");
                    return found.get();
                }
            }
            if (run.abort().aborted()) {
                break;
            }
            if (attempt < ATTEMPTS) {
                run.progress().say("decision", "No trace of the unanswered " + operation + " in AWS after "
                        + Durations.format(LOOKS.stream().reduce(Duration.ZERO, Duration::plus))
                        + ": it created nothing; calling it again");
            }
        }
        throw new StepFailedException(operation + " (" + what + ") did not succeed: " + describe(last) + "; tried "
                + ATTEMPTS + " times over " + Durations.format(Duration.between(first, run.clock().now()).withNanos(0))
                + " without SDK retries, and after each unanswered attempt found nothing it created — nothing was "
                + "created; re-run when AWS answers again", last);
    }

    private static void pause(StepRun run, Duration d) {
        run.abort().sleepUntil(run.clock(), run.clock().now().plus(d));
    }

    /** A failure in short: "HTTP 500 InternalFailure: …", or the SDK's message for an answer that never came. */
    public static String describe(SdkException e) {
        if (e == null) {
            return "aborted";
        }
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null) {
            return "HTTP " + a.statusCode() + (a.awsErrorDetails().errorCode() == null ? ""
                    : " " + a.awsErrorDetails().errorCode()) + (a.awsErrorDetails().errorMessage() == null ? ""
                    : ": " + a.awsErrorDetails().errorMessage());
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
