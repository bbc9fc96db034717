package dev.awsdeploy.ecr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.aws.AwsContext;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.Images;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.RegistryServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecr.EcrClient;

/**
 * The CLI's head start builds the push's AWS context and ECR client before the command line is parsed
 * ({@link AwsContext#offerEarly}). The run takes them over only when its settings are the same; it then makes its
 * calls through them (they are counted as the run's), and nothing is sent before its input is checked.
 */
class EcrPushEarlyContextTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    static RegistryServer registry = RegistryServer.shared();

    private static final AtomicInteger NAMES = new AtomicInteger();

    @TempDir
    Path tmp;

    private final String repo = "team/early-" + NAMES.incrementAndGet() + "-" + ProcessHandle.current().pid();
    /** Its own environment, so that no other test's run matches an offer this one leaves untaken. */
    private final Cli cli = new Cli(moto.url()).env("EARLY_CONTEXT_TEST", repo);

    private Cli.Run push(String... more) {
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "app:1", false, Images.layer(81, 50_000));
        List<String> args = Cli.args("ecr-push", "--source", "docker-archive:" + archive, "--repository", repo,
                "--registry-url", registry.url(), "--output", "json", "--create-repository");
        args.addAll(List.of(more));
        return cli.run(args);
    }

    /** What the head start does: the context, then the ECR client in it. */
    private AwsContext offered(String region) {
        cli.env("AWS_DEPLOY_CACHE_DIR", tmp.resolve("cache").toString());
        AwsContext ctx = AwsContext.offerEarly(region, cli.env(), false).build();
        assertNotNull(ctx);
        ctx.client(EcrClient.class, EcrClient::builder, "ECR");
        return ctx;
    }

    private static int ecrRepositories(String region, String name) {
        try (AwsContext ctx = AwsContext.builder().env(Map.of("AWS_ACCESS_KEY_ID", "testing",
                "AWS_SECRET_ACCESS_KEY", "testing", "AWS_ENDPOINT_URL", moto.url())).region(region)
                .defaultChain(false).build()) {
            return (int) ctx.client(EcrClient.class, EcrClient::builder, "ECR").describeRepositories().repositories()
                    .stream().filter(r -> r.repositoryName().equals(name)).count();
        }
    }

    @Test
    void aRunWithTheSameSettingsMakesItsCallsThroughTheContextBuiltBeforeItsCommandLineWasParsed() throws Exception {
        AwsContext early = offered(null);
        assertEquals(Map.of(), early.callsByOperation(), "building it sent nothing");

        Cli.Run r = push();

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = Json.MAPPER.readTree(r.out());
        assertEquals("pushed", result.path("status").asText(), r.out());
        Map<String, Integer> calls = early.callsByOperation();
        assertEquals(1, calls.get("Ecr.GetAuthorizationToken"), calls.toString());
        assertEquals(1, calls.get("Ecr.DescribeRepositories"), calls.toString());
        assertEquals(1, calls.get("Ecr.CreateRepository"), calls.toString());
        assertEquals(Json.MAPPER.convertValue(calls, JsonNode.class), result.path("apiCalls"),
                "the run's record lists the calls made through it");
        assertEquals(1, ecrRepositories("eu-west-1", repo));
        assertEquals(200, registry.manifest(repo, "1").status(), "tagged");
        assertTrue(r.err().contains("Created repository " + repo), r.err());
        assertFalse(r.all().contains("123456789012-auth-token"), "no registry password shown");
    }

    @Test
    void aRunInAnotherRegionBuildsItsOwnContextAndTheOfferedOneSendsNothing() throws Exception {
        AwsContext early = offered("us-east-2");

        Cli.Run r = push();

        assertEquals(0, r.exit(), r.toString());
        assertEquals(Map.of(), early.callsByOperation());
        assertEquals(1, Json.MAPPER.readTree(r.out()).path("apiCalls").path("Ecr.CreateRepository").asInt());
        assertEquals(1, ecrRepositories("eu-west-1", repo), "created in the run's own region");
        assertEquals(0, ecrRepositories("us-east-2", repo), "not in the offered context's");
    }

    @Test
    void aRunThatAssumesARoleBuildsItsOwnContext() throws Exception {
        AwsContext early = offered(null);

        Cli.Run r = push("--role-arn", "arn:aws:iam::123456789012:role/deployer");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(Map.of(), early.callsByOperation());
        assertEquals(1, Json.MAPPER.readTree(r.out()).path("apiCalls").path("Ecr.GetAuthorizationToken").asInt());
        assertEquals(1, ecrRepositories("eu-west-1", repo));
    }

    @Test
    void badInputAfterTheHeadStartSendsNothingAtAll() {
        AwsContext early = offered(null);

        Cli.Run r = push("--tags", "not a tag!");

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("not a tag!"), r.err());
        assertEquals(Map.of(), early.callsByOperation(), "no request, not even a read");
        assertEquals(0, ecrRepositories("eu-west-1", repo));
    }
}
