package dev.awsdeploy.ecr;

import dev.awsdeploy.aws.AwsContext;
import dev.awsdeploy.aws.AwsFailure;
import dev.awsdeploy.aws.CreatingCall;
import dev.awsdeploy.aws.RetryPolicy;
import dev.awsdeploy.run.Progress;
import dev.awsdeploy.run.StepClock;
import dev.awsdeploy.run.StepFailedException;
import java.time.Duration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.CreateRepositoryRequest;
import software.amazon.awssdk.services.ecr.model.Repository;
import software.amazon.awssdk.services.ecr.model.RepositoryAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;

/**
 * Reading and creating the ECR repository. CreateRepository is never retried blindly: it is sent without the SDK's
 * retries, and after an attempt that failed or went unanswered the repository is looked up first — an attempt
 * that was applied although its answer was lost has created it, and that repository is used.
 */
final class EcrRepository {
    static final int CREATE_ATTEMPTS = RetryPolicy.MAX_FAILURES;

    private EcrRepository() {
    }

    static Repository describe(EcrClient ecr, String name, String registryId) {
        try {
            return ecr.describeRepositories(r -> {
                r.repositoryNames(name);
                if (registryId != null) {
                    r.registryId(registryId);
                }
            }).repositories().stream().findFirst().orElse(null);
        } catch (RepositoryNotFoundException e) {
            return null;
        }
    }

    static Repository create(AwsContext aws, EcrPush.Request req, Progress progress, StepClock clock) {
        CreateRepositoryRequest.Builder b = CreateRepositoryRequest.builder().repositoryName(req.repository())
                .imageTagMutability(req.tagMutability())
                .imageScanningConfiguration(s -> s.scanOnPush(req.scanOnPush()))
                .encryptionConfiguration(e -> {
                    e.encryptionType(req.encryption());
                    if (req.kmsKey() != null) {
                        e.kmsKey(req.kmsKey());
                    }
                });
        if (req.registryId() != null) {
            b.registryId(req.registryId());
        }
        // Sent once per attempt: the SDK's own retries are off for this request.
        CreateRepositoryRequest request = b.overrideConfiguration(o -> o.addPlugin(CreatingCall.ONCE)).build();
        EcrClient ecr = aws.client(EcrClient.class, EcrClient::builder, "ECR");
        RuntimeException last = null;
        for (int attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
            if (attempt > 1) {
                Repository made = describe(ecr, req.repository(), req.registryId());
                if (made != null) {
                    progress.action("CreateRepository", made.repositoryArn(), "Repository " + req.repository()
                            + " exists after a CreateRepository attempt whose answer was lost (" + describe(last)
                            + "): using it (" + made.imageTagMutabilityAsString() + " tags)");
                    return made;
                }
                sleep(clock, RetryPolicy.backoff(attempt - 1), req.repository());
            }
            try {
                Repository repo = ecr.createRepository(request).repository();
                progress.action("CreateRepository", repo.repositoryArn(), "Created repository "
                        + req.repository() + " (" + req.tagMutability() + " tags, scan on push "
                        + (req.scanOnPush() ? "on" : "off") + ", " + req.encryption() + " encryption)");
                return repo;
            } catch (RepositoryAlreadyExistsException e) {
                Repository made = describe(ecr, req.repository(), req.registryId());
                if (made == null) {
                    throw e;
                }
                progress.action("CreateRepository", made.repositoryArn(), "Repository " + req.repository()
                        + " was created meanwhile" + (attempt > 1 ? " (by an earlier attempt whose answer was "
                        + "lost, or by another push)" : " by another push") + ": using it ("
                        + made.imageTagMutabilityAsString() + " tags)");
                return made;
            } catch (SdkException e) {
                if (!RetryPolicy.isTransient(e)) {
                    throw e;
                }
                last = e;
            }
        }
        throw new StepFailedException("ECR CreateRepository of " + req.repository() + " failed " + CREATE_ATTEMPTS
                + " times (last: " + AwsFailure.describe(last) + "), and the repository does not exist; nothing was "
                + "pushed. Run the step again, or create the repository first", last);
    }

    private static String describe(RuntimeException e) {
        if (e instanceof SdkServiceException s) {
            return "HTTP " + s.statusCode() + (s.isThrottlingException() ? ", throttled" : "");
        }
        return e == null ? "no answer" : e.getClass().getSimpleName();
    }

    private static void sleep(StepClock clock, Duration d, String repository) {
        try {
            clock.sleepUntil(clock.now().plus(d));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new StepFailedException("interrupted while creating repository " + repository);
        }
    }
}
