package dev.awsdeploy.codedeploy;

import dev.awsdeploy.aws.AwsContext;
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
import software.amazon.awssdk.core.exception.SdkException;

/**
 * A call that creates something (CreateDeployment, CreateDeploymentConfig, RegisterTaskDefinition), never retried
 * blindly. The call is made
 * on a client without the SDK's retries: an answer lost after AWS applied it (HTTP 5xx, a dropped connection, a
 * timeout) would otherwise become a second deployment. After such an attempt, what the attempt may have created is
 * looked for a few times (reads are eventually consistent) and used when found; only when nothing turned up is the
 * call made again. A refusal (HTTP 4xx) created nothing and goes to the caller; throttling created nothing and is
 * retried after a pause.
 */
final class CreatingCall {
    static final int ATTEMPTS = 3;
    /** Pauses before each look for what an unanswered attempt created. */
    static final List<Duration> LOOKS = List.of(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10));

    private CreatingCall() {
    }

    /** A client of this run that makes each call once: creating calls must not be retried blindly. */
    static <C extends AutoCloseable, B extends AwsClientBuilder<B, C>> C client(AwsContext aws, B builder,
                                                                              String serviceEnvName) {
        return aws.configure(builder, serviceEnvName).overrideConfiguration(aws.overrides().toBuilder()
                .retryStrategy(AwsRetryStrategy.doNotRetry()).build()).build();
    }

    /**
     * Creates with {@code create}; after an unanswered attempt, {@code find} says what that attempt made, if anything.
     *
     * @param operation the API call, e.g. CreateDeployment
     * @param what      what is created, for messages: "deployment of s3://releases/app.zip to myapp/prod"
     */
    static <T> T create(String operation, String what, Supplier<T> create, Supplier<Optional<T>> find, StepRun run) {
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

    static String describe(SdkException e) {
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
