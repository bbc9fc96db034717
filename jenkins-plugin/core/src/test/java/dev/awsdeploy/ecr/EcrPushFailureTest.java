package dev.awsdeploy.ecr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.run.StepClock;
import dev.awsdeploy.testing.AwsClients;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.Images;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.RegistryServer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecr.EcrClient;

/** When the registry refuses the token, is down, or the push outlives the token — and what never leaks. */
class EcrPushFailureTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    static RegistryServer registry = RegistryServer.shared();
    static RegistryServer otherPassword = RegistryServer.withPassword("not-the-ecr-token-password");

    private static final String ACCESS_KEY = "FAKEACCESSKEYFORSECRETS";
    private static final String SECRET_KEY = "fake/secret+key/that/must/never/show";
    private static final String TOKEN = Base64.getEncoder().encodeToString(("AWS:" + RegistryServer.MOTO_PASSWORD)
            .getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path tmp;

    private final Cli cli = new Cli(moto.url()).env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY);

    private Path image(String tag) {
        return Images.dockerArchive(tmp.resolve("image.tar"), "app:" + tag, false, Images.layer(21, 50_000),
                Images.layer(22, 60_000));
    }

    private static void createRepository(String name) {
        try (EcrClient ecr = AwsClients.ecr(moto.url(), "eu-west-1")) {
            ecr.createRepository(r -> r.repositoryName(name));
        }
    }

    private static void assertNoSecrets(String text) {
        for (String secret : List.of(RegistryServer.MOTO_PASSWORD, TOKEN, ACCESS_KEY, SECRET_KEY)) {
            assertFalse(text.contains(secret), "a secret leaked: " + text);
        }
    }

    @Test
    void aRegistryThatRefusesTheTokenIsAClear401AfterOneFreshToken() {
        createRepository("refused");
        moto.startCounting();

        Cli.Run r = cli.run("ecr-push", "--source", "docker-archive:" + image("1"), "--repository", "refused",
                "--registry-url", otherPassword.url());

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("refused the ECR credentials (401 Unauthorized)"), r.err());
        assertTrue(r.err().contains("also with a fresh token; check that registryUrl is the registry of account "
                + "123456789012"), r.err());
        assertEquals(2, moto.count("GetAuthorizationToken"), "one fresh token, then it stops");
        assertNoSecrets(r.all());
    }

    @Test
    void aRegistryThatIsDownFailsClearlyAfterBoundedRetries() throws Exception {
        createRepository("down");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        FakeClock clock = new FakeClock();
        Instant start = clock.now();
        long t0 = System.nanoTime();

        Cli.Run r = cli.clock(clock).run("ecr-push", "--source", "docker-archive:" + image("1"), "--repository",
                "down", "--registry-url", "http://127.0.0.1:" + port);

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("registry 127.0.0.1:" + port + " could not be reached to read tag 1 after "
                + EcrRegistry.ATTEMPTS + " attempts"), r.err());
        assertTrue(r.err().contains("Connect"), r.err());
        assertEquals(Duration.ofSeconds(7), Duration.between(start, clock.now()), "backoff 1 s, 2 s, 4 s");
        assertTrue(System.nanoTime() - t0 < 30_000_000_000L, "bounded");
    }

    @Test
    void theEcrPasswordAndTheAwsKeysAppearInNoOutputRecordOrError() throws Exception {
        Path record = tmp.resolve("record.json");
        Cli.Run ok = cli.run("ecr-push", "--source", "docker-archive:" + image("1"), "--repository", "secrets",
                "--create-repository", "--registry-url", registry.url(), "--output", "json", "--record",
                record.toString());
        Cli.Run refused = cli.run("ecr-push", "--source", "docker-archive:" + image("1"), "--repository", "secrets",
                "--registry-url", otherPassword.url(), "--output", "json");

        assertEquals(0, ok.exit(), ok.toString());
        assertEquals(1, refused.exit(), refused.toString());
        assertNoSecrets(ok.all());
        assertNoSecrets(refused.all());
        String recorded = Files.readString(record);
        assertTrue(recorded.contains("GetAuthorizationToken"), recorded);
        assertNoSecrets(recorded);
        assertTrue(Json.MAPPER.readTree(ok.out()).path("imageUri").asText().contains("@sha256:"));
    }

    @Test
    void aPushThatOutlivesTheTokenFetchesAFreshOneAndCarriesOn() throws Exception {
        // Every look at the clock is 4 hours later: the 12-hour token runs out during the push.
        StepClock hours = new StepClock() {
            private Instant now = Instant.parse("2026-11-25T00:00:00Z");

            @Override
            public synchronized Instant now() {
                now = now.plus(Duration.ofHours(4));
                return now;
            }

            @Override
            public void sleepUntil(Instant t) {
            }
        };

        Cli.Run r = cli.clock(hours).run("ecr-push", "--source", "docker-archive:" + image("1"), "--repository",
                "long", "--create-repository", "--registry-url", registry.url(), "--output", "json");

        assertEquals(0, r.exit(), r.toString());
        assertTrue(moto.count("GetAuthorizationToken") >= 2, "the token was fetched again");
        assertEquals(Json.MAPPER.readTree(r.out()).path("digest").asText(),
                registry.manifest("long", "1").digestHeader());
    }

    @Test
    void aDockerSourceWithoutADaemonIsBadInputThatSaysWhatToDo() {
        Cli.Run r = cli.env("PATH", System.getenv("PATH")).run("ecr-push", "--source", "docker:myapp:1.0",
                "--repository", "app", "--registry-url", registry.url());

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("source 'docker:myapp:1.0': needs"), r.err());
        assertTrue(r.err().contains("docker-archive:"), r.err());
        assertEquals(List.of(), moto.mutatingRequests());
    }

    @Test
    void aRegistryAnswering503AndDroppingAConnectionIsRetriedAndThePushCompletes() throws Exception {
        createRepository("flaky");
        WireMockServer front = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        front.start();
        try {
            front.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().proxiedFrom(registry.url())));
            front.stubFor(any(urlPathMatching("/v2/flaky/manifests/.*")).atPriority(1)
                    .inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                    .willReturn(aResponse().withStatus(503).withBody("{\"errors\":[{\"code\":\"UNAVAILABLE\"}]}"))
                    .willSetStateTo("dropped"));
            front.stubFor(any(urlPathMatching("/v2/flaky/manifests/.*")).atPriority(1)
                    .inScenario("flaky").whenScenarioStateIs("dropped")
                    .willReturn(aResponse().withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER))
                    .willSetStateTo("well"));
            FakeClock clock = new FakeClock();
            Instant start = clock.now();

            Cli.Run r = cli.clock(clock).run("ecr-push", "--source", "docker-archive:" + image("1"), "--repository",
                    "flaky", "--registry-url", "http://127.0.0.1:" + front.port(), "--output", "json");

            assertEquals(0, r.exit(), r.toString());
            assertEquals(Json.MAPPER.readTree(r.out()).path("digest").asText(),
                    registry.manifest("flaky", "1").digestHeader());
            assertEquals(Duration.ofSeconds(3), Duration.between(start, clock.now()), "waited 1 s, then 2 s");
        } finally {
            front.stop();
        }
    }
}
