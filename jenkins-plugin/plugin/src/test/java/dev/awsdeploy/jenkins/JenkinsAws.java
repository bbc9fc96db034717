package dev.awsdeploy.jenkins;

import com.cloudbees.jenkins.plugins.awscredentials.AWSCredentialsImpl;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.domains.Domain;
import hudson.slaves.EnvironmentVariablesNodeProperty;
import java.io.IOException;
import org.jvnet.hudson.test.JenkinsRule;

/**
 * What the JenkinsRule tests give Jenkins: an AWS credential in the store (fake keys; moto accepts any) and the
 * emulator's endpoint and region in the controller's global environment, as an administrator would set them.
 */
final class JenkinsAws {
    static final String CREDENTIALS_ID = "aws-test";
    static final String ACCESS_KEY = "FAKEACCESSKEYJENKINSRULE";
    /** Asserted absent from every build log. */
    static final String SECRET_KEY = "fake/secret/key/for/jenkins/rule/tests/only";

    private JenkinsAws() {
    }

    static AWSCredentialsImpl credential(JenkinsRule r) throws IOException {
        AWSCredentialsImpl c = new AWSCredentialsImpl(CredentialsScope.GLOBAL, CREDENTIALS_ID, ACCESS_KEY, SECRET_KEY,
                "aws-deploy tests");
        CredentialsProvider.lookupStores(r.jenkins).iterator().next().addCredentials(Domain.global(), c);
        return c;
    }

    /** AWS_ENDPOINT_URL and AWS_REGION for every build, plus more NAME=VALUE pairs (e.g. AWS_DEPLOY_SHIFT_MINUTE). */
    static void environment(JenkinsRule r, String endpoint, String region, String... more) throws IOException {
        EnvironmentVariablesNodeProperty p = new EnvironmentVariablesNodeProperty();
        p.getEnvVars().put("AWS_ENDPOINT_URL", endpoint);
        p.getEnvVars().put("AWS_REGION", region);
        p.getEnvVars().put("AWS_MAX_ATTEMPTS", "3");
        for (String pair : more) {
            int eq = pair.indexOf('=');
            p.getEnvVars().put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        r.jenkins.getGlobalNodeProperties().replaceBy(java.util.List.of(p));
    }
}
