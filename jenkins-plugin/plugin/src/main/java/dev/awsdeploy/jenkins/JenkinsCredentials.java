package dev.awsdeploy.jenkins;

import com.cloudbees.jenkins.plugins.awscredentials.AmazonWebServicesCredentials;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.domains.DomainRequirement;
import dev.awsdeploy.run.BadInputException;
import hudson.AbortException;
import hudson.model.Run;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * The AWS credential a step names by {@code credentialsId}, looked up for the build (so folder credentials and
 * the job's permissions apply) and tracked as used by it. Handed to the engine as an SDK v2 provider.
 */
final class JenkinsCredentials {
    private JenkinsCredentials() {
    }

    /** The provider for {@code credentialsId}, or null when none is given (the engine then reads AWS_* keys). */
    static AwsCredentialsProvider forRun(String credentialsId, Run<?, ?> run, String label) throws AbortException {
        if (credentialsId == null) {
            return null;
        }
        AmazonWebServicesCredentials credential = CredentialsProvider.findCredentialById(credentialsId,
                AmazonWebServicesCredentials.class, run, Collections.<DomainRequirement>emptyList());
        if (credential == null) {
            throw new AbortException(label + ": credentialsId '" + credentialsId + "': no AWS credential with this id "
                    + "is visible to this build; add one of kind 'AWS Credentials' with this id (globally or in the "
                    + "job's folder), or correct the id");
        }
        CredentialsProvider.track(run, credential);
        return new Resolved(credential, credentialsId);
    }

    /**
     * Resolves the credential once and again shortly before it expires. A credential with a role assumes it on
     * each resolve, and SDK clients ask for credentials on every request.
     */
    static final class Resolved implements AwsCredentialsProvider {
        private static final Duration NO_EXPIRY_REFRESH = Duration.ofMinutes(10);
        private static final Duration EARLY = Duration.ofMinutes(5);
        private final AmazonWebServicesCredentials credential;
        private final String id;
        private AwsCredentials current;
        private Instant refreshAt = Instant.MIN;

        Resolved(AmazonWebServicesCredentials credential, String id) {
            this.credential = credential;
            this.id = id;
        }

        @Override
        public synchronized AwsCredentials resolveCredentials() {
            Instant now = Instant.now();
            if (current == null || !now.isBefore(refreshAt)) {
                AwsCredentials fresh = credential.resolveCredentials();
                if (fresh == null) {
                    throw new BadInputException("credentialsId", id, "gives no AWS keys (its access key and secret "
                            + "key are empty)", "edit the credential and give an access key id and a secret key");
                }
                current = fresh;
                refreshAt = fresh.expirationTime().map(t -> t.minus(EARLY)).orElse(now.plus(NO_EXPIRY_REFRESH));
            }
            return current;
        }
    }
}
