package dev.awsdeploy.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.awsdeploy.Steps;
import dev.awsdeploy.testing.Cli;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * A secret pasted into a parameter is redacted from the bad-input message that quotes the value: the run's keys
 * are known secrets before anything is validated or printed (no AWS endpoint is needed: input is refused first).
 */
class SecretsFirstTest {
    private static final String SECRET = "chaosSecretValue/For/Redaction/Test/0123";

    @Test
    void aSecretKeyGivenAsADurationIsRedactedFromTheCliBadInputMessage() {
        Cli cli = new Cli("http://127.0.0.1:9").env("AWS_SECRET_ACCESS_KEY", SECRET);

        Cli.Run r = cli.run("cloudwatch-alarm", "wait", "--alarms", "HighErrorRate", "--duration", SECRET,
                "--output", "json");

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("duration '****'"), r.toString());
        assertFalse(r.all().contains(SECRET), r.toString());
        assertFalse(r.all().contains("chaosSecret"), r.toString());
    }

    @Test
    void aCredentialsSecretGivenAsADurationIsRedactedBeforeTheStepReadsItsInput() {
        // The plugin's way in: a credentials provider (the Jenkins credential), no keys in the environment.
        Secrets secrets = new Secrets();
        StepDefinition wait = Steps.all().stream().filter(d -> "wait".equals(d.action())).findFirst().orElseThrow();
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("alarms", java.util.List.of("HighErrorRate"));
        input.put("duration", SECRET);
        String message;
        try (StepRun run = StepRun.builder("cloudWatchAlarm", "wait").env(Map.of("AWS_REGION", "eu-west-1"))
                .secrets(secrets).defaultChain(false)
                .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("FAKEACCESSKEYFORREDACT",
                        SECRET))).build()) {
            wait.runner().run(input, run);
            throw new AssertionError("a duration that is a secret key is bad input");
        } catch (BadInputException e) {
            message = secrets.redact(e.getMessage());
        }
        assertTrue(message.contains("duration '****'"), message);
        assertFalse(message.contains(SECRET), message);
    }

    @Test
    void secretsGatheredBeforeTheRunBeganAreTheRunsAlsoWhenAddedLater() {
        // The CLI's early AWS context registers its credentials before the run exists, and again when they refresh.
        Secrets early = new Secrets();
        early.add("earlySessionToken-0001");
        Secrets run = new Secrets();

        early.shareWith(run);
        early.add("refreshedSessionToken-0002");

        assertEquals("token **** then ****", run.redact("token earlySessionToken-0001 then refreshedSessionToken-0002"));
        assertEquals("****", early.redact("refreshedSessionToken-0002"));
    }
}
