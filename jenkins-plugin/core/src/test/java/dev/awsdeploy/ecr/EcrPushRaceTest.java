package dev.awsdeploy.ecr;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.AwsClients;
import dev.awsdeploy.testing.AwsFront;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.Images;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.RegistryServer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecr.EcrClient;

/**
 * Lost answers and races: a CreateRepository that was applied but whose answer was lost is not sent again (the
 * repository is looked up first), and an immutable tag another push takes between our check and our write is the
 * tag conflict (exit 3), not an unexpected failure.
 */
class EcrPushRaceTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    static RegistryServer registry = RegistryServer.shared();

    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final byte[] BASE = Images.layer(61, 70_000);
    private static final byte[] OTHER = Images.layer(62, 40_000);

    @TempDir
    Path tmp;

    private final String repo = "team/race-" + NAMES.incrementAndGet() + "-" + ProcessHandle.current().pid();

    @RegisterExtension
    AwsFront front = new AwsFront(moto);

    private Cli.Run push(Cli cli, String registryUrl, Path archive, String... more) {
        List<String> args = Cli.args("ecr-push", "--source", "docker-archive:" + archive, "--repository", repo,
                "--registry-url", registryUrl, "--output", "json");
        args.addAll(List.of(more));
        return cli.run(args);
    }

    @Test
    void aCreateRepositoryAppliedWhoseAnswerWasLostIsFoundAndNotSentAgain() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "app:1", false, BASE);
        front.loseAnswers("CreateRepository", 1, AwsFront.Loss.HTTP_500);
        moto.startCounting();

        Cli.Run r = push(new Cli(front.url()).clock(new FakeClock()), registry.url(), archive,
                "--create-repository", "--tag-mutability", "IMMUTABLE");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(1, moto.count("CreateRepository"), "sent once: " + moto.requests());
        try (EcrClient ecr = AwsClients.ecr(moto.url(), "eu-west-1")) {
            assertEquals("IMMUTABLE", ecr.describeRepositories(q -> q.repositoryNames(repo)).repositories().get(0)
                    .imageTagMutabilityAsString());
        }
        assertTrue(r.err().contains("Repository " + repo + " exists after a CreateRepository attempt whose answer "
                + "was lost (HTTP 500): using it (IMMUTABLE tags)"), r.err());
        assertEquals(Json.MAPPER.readTree(r.out()).path("digest").asText(),
                registry.manifest(repo, "1").digestHeader());
    }

    @Test
    void aCreateRepositoryThatNeverArrivedIsSentAgainOnceTheRepositoryIsSeenMissing() throws Exception {
        Path archive = Images.dockerArchive(tmp.resolve("image.tar"), "app:1", false, BASE);
        // The first CreateRepository has its connection reset before it reaches ECR; the next one goes through.
        front.wiremock().stubFor(AwsFront.operation("CreateRepository").atPriority(1).inScenario("create")
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("answered")
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        moto.startCounting();

        Cli.Run r = push(new Cli(front.url()).clock(new FakeClock()), registry.url(), archive,
                "--create-repository");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(1, moto.count("CreateRepository"), "the first attempt never reached ECR");
        assertTrue(moto.count("DescribeRepositories") >= 2, "looked before sending again");
        assertTrue(r.err().contains("Created repository " + repo), r.err());
    }

    @Test
    void anImmutableTagTakenByAnotherPushBetweenCheckAndWriteIsTheTagConflictExit3() throws Exception {
        Cli cli = new Cli(moto.url());
        Path theirs = Images.dockerArchive(tmp.resolve("theirs.tar"), "app:1", false, BASE);
        Path ours = Images.dockerArchive(tmp.resolve("ours.tar"), "app:1", false, BASE, OTHER);
        Cli.Run other = push(cli, registry.url(), theirs, "--create-repository", "--tag-mutability", "IMMUTABLE");
        assertEquals(0, other.exit(), other.toString());
        String theirDigest = Json.MAPPER.readTree(other.out()).path("digest").asText();
        // In front of the registry, ECR's behaviour docker-registry lacks: our check of tag 1 comes before the other
        // push wrote it (404), and ECR refuses the write of an immutable tag that exists (400 TAG_INVALID).
        WireMockServer front = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        front.start();
        try {
            front.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().proxiedFrom(registry.url())));
            front.stubFor(any(urlPathEqualTo("/v2/" + repo + "/manifests/1")).atPriority(1).inScenario("race")
                    .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("taken")
                    .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                            .withBody("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}")));
            front.stubFor(com.github.tomakehurst.wiremock.client.WireMock.put(urlPathEqualTo("/v2/" + repo
                    + "/manifests/1")).atPriority(1).willReturn(aResponse().withStatus(400)
                    .withHeader("Content-Type", "application/json").withBody("{\"errors\":[{\"code\":\"TAG_INVALID\","
                            + "\"message\":\"The image tag '1' already exists in the '" + repo + "' repository and "
                            + "cannot be overwritten because the repository is immutable.\"}]}")));
            registry.startCounting();

            Cli.Run r = push(cli, "http://127.0.0.1:" + front.port(), ours);

            assertEquals(3, r.exit(), r.toString());
            JsonNode result = Json.MAPPER.readTree(r.out());
            assertEquals("FAILED", result.path("outcome").asText());
            assertEquals("tag-conflict", result.path("status").asText());
            assertTrue(result.path("summary").asText().contains("tag 1 was given to another image (" + theirDigest
                    + ") by another push between this push's check and its write"), r.out());
            assertTrue(result.path("summary").asText().contains("push under a new tag"), r.out());
            assertEquals(theirDigest, registry.manifest(repo, "1").digestHeader(), "their image keeps the tag");
        } finally {
            front.stop();
        }
    }
}
