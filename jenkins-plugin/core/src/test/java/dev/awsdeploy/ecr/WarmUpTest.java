package dev.awsdeploy.ecr;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CLI's head start for a push completes (its failures would only be swallowed in the CLI) and sends nothing,
 * also when it builds the run's own AWS context: the endpoint it is given is a listening socket that must see no
 * connection.
 */
class WarmUpTest {
    @Test
    void theWarmUpOfTheSdkAndOfTheRegistryStackCompletesAndConnectsNowhere() throws Exception {
        try (ServerSocket endpoint = new ServerSocket(0)) {
            String url = "http://127.0.0.1:" + endpoint.getLocalPort();
            WarmUp.aws(Map.of("AWS_REGION", "eu-west-1", "AWS_ENDPOINT_URL", url));
            EcrRegistry.warm(false);
            EcrRegistry.warm(true);
            WarmUp.start(new String[] {"ecr-push", "--registry-url", url}, Map.of("AWS_ENDPOINT_URL", url));
            // With a region and keys, the run's own context and ECR client are built: still nothing is sent.
            WarmUp.start(new String[] {"ecr-push", "--repository", "app", "--region", "eu-west-1", "--registry-url",
                url}, Map.of("AWS_ENDPOINT_URL", url, "AWS_ACCESS_KEY_ID", "testing", "AWS_SECRET_ACCESS_KEY",
                "testing"));
            // A role assumed by the command line: the canned warm-up.
            WarmUp.start(new String[] {"ecr-push", "--role-arn", "arn:aws:iam::123456789012:role/deployer"},
                    Map.of("AWS_ENDPOINT_URL", url, "AWS_REGION", "eu-west-1"));
            endpoint.setSoTimeout(1500);
            assertThrows(SocketTimeoutException.class, endpoint::accept, "the warm-up connected to the endpoint");
        }
    }
}
