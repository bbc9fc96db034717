package dev.awsdeploy.codedeploy;

import static dev.awsdeploy.codedeploy.CodeDeployFake.look;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.awsdeploy.aws.CreatingCall;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.AwsClients;
import dev.awsdeploy.testing.AwsFront;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Given CodeDeploy (moto) applying a creating call and its answer lost on the way back (WireMock turns moto's
 * answer into an HTTP 500 or a dropped connection), when codeDeployRolling runs, then the group ends with exactly
 * one deployment, the step watched that one to its end, and the user read what happened.
 */
class CodeDeployLostAnswerTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    AwsFront front = new AwsFront(moto);

    private CodeDeployFake fake;
    private Cli cli;
    private static final String BUILD_URL = "https://jenkins.example.com/job/myapp/42/";

    @BeforeEach
    void given() {
        fake = new CodeDeployFake(front);
        cli = new Cli(front.url()).clock(new FakeClock()).env("BUILD_URL", BUILD_URL);
    }

    /** Application myapp of the platform with group prod in moto, whose deployments WireMock reads from moto. */
    void application(String platform) {
        fake.givenApplication(moto, platform, "myapp/app-1.2.3.zip", "Server".equals(platform)
                ? "CodeDeployDefault.OneAtATime" : "CodeDeployDefault.ECSAllAtOnce");
        // What moto holds, read through WireMock as CodeDeploy would answer it.
        fake.fromMoto(moto, "BatchGetDeployments");
    }

    static List<String> args() {
        return Cli.args("code-deploy-rolling", "--application", "myapp", "--deployment-group", "prod",
                "--s3-bucket", "releases", "--s3-key", "myapp/app-1.2.3.zip", "--output", "json");
    }

    static List<String> deploymentsInMoto() {
        try (var cd = AwsClients.codeDeploy(moto.url(), "eu-west-1")) {
            return cd.listDeployments(b -> b.applicationName("myapp").deploymentGroupName("prod")).deployments();
        }
    }

    @ParameterizedTest(name = "dropped connection: {0}")
    @ValueSource(booleans = {false, true})
    void aCreateDeploymentAppliedButUnansweredEndsWithOneDeploymentWatchedToItsEnd(boolean drop) throws Exception {
        application("Server");
        front.loseAnswers("CreateDeployment", 1, drop ? AwsFront.Loss.RESET : AwsFront.Loss.HTTP_500);
        fake.lifecycle(look("InProgress").counts(1, 1, 0, 0, 0), look("Succeeded").counts(0, 0, 2, 0, 0));

        Cli.Run r = cli.run(args());

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = Json.MAPPER.readTree(r.out());
        List<String> inMoto = deploymentsInMoto();
        assertEquals(1, inMoto.size(), "exactly one deployment on the group: " + inMoto);
        assertEquals(inMoto.get(0), result.path("deploymentId").asText());
        assertEquals("Succeeded", result.path("status").asText());
        assertEquals(1, fake.count("CreateDeployment"), "one attempt, no SDK retry of a creating call");
        List<JsonNode> looks = fake.requests("GetDeployment");
        assertEquals(2, looks.size());
        looks.forEach(q -> assertEquals(inMoto.get(0), q.path("deploymentId").asText()));
        assertTrue(r.err().contains("CreateDeployment (attempt 1) got no answer"), r.err());
        assertTrue(r.err().contains("The unanswered CreateDeployment did create " + inMoto.get(0)
                + ": using it instead of creating a second one"), r.err());
        assertFalse(r.err().contains("calling it again"), r.err());
    }

    @Test
    void aCreateDeploymentThatFailedWithoutCreatingIsCalledAgainOnceNothingIsFound() throws Exception {
        application("Server");
        // HTTP 500 before moto saw it: nothing was created; the second attempt reaches moto.
        fake.wiremock().stubFor(AwsFront.operation("CreateDeployment").inScenario("fail-once")
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("failed").atPriority(1)
                .willReturn(WireMock.aResponse().withStatus(500).withBody("internal error")));
        fake.lifecycle(look("Succeeded").counts(0, 0, 2, 0, 0));

        Cli.Run r = cli.run(args());

        assertEquals(0, r.exit(), r.toString());
        List<String> inMoto = deploymentsInMoto();
        assertEquals(1, inMoto.size(), inMoto.toString());
        assertEquals(inMoto.get(0), Json.MAPPER.readTree(r.out()).path("deploymentId").asText());
        assertEquals(2, fake.count("CreateDeployment"));
        assertTrue(r.err().contains("No trace of the unanswered CreateDeployment in AWS after 17s: it created "
                + "nothing; calling it again"), r.err());
        // The look for it was a read of the group's deployments created since the attempt.
        JsonNode list = fake.requests("ListDeployments").get(fake.count("ListDeployments") - 1);
        assertTrue(list.path("createTimeRange").has("start"), list.toString());
    }

    @Test
    void aCreateDeploymentNeverAnsweredFailsSayingNothingWasCreated() throws Exception {
        application("Server");
        front.connectionReset("CreateDeployment");

        Cli.Run r = cli.run(args());

        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of(), deploymentsInMoto());
        assertEquals(CreatingCall.ATTEMPTS, fake.count("CreateDeployment"));
        assertTrue(r.err().contains("CreateDeployment (deployment of s3://releases/myapp/app-1.2.3.zip to myapp/prod)"
                + " did not succeed"), r.err());
        assertTrue(r.err().contains("nothing was created"), r.err());
    }

    @Test
    void aCreateDeploymentConfigAppliedButUnansweredIsFoundAndUsed() throws Exception {
        application("Server");
        String config = "{\"deploymentConfigName\":\"aws-deploy-FLEET_PERCENT-75\",\"computePlatform\":\"Server\","
                + "\"minimumHealthyHosts\":{\"type\":\"FLEET_PERCENT\",\"value\":75}}";
        fake.configCreatedButAnswerLost("aws-deploy-FLEET_PERCENT-75", config);
        fake.lifecycle(look("Succeeded").counts(0, 0, 4, 0, 0));
        List<String> args = args();
        args.addAll(List.of("--minimum-healthy-hosts", "FLEET_PERCENT:75"));

        Cli.Run r = cli.run(args);

        assertEquals(0, r.exit(), r.toString());
        assertEquals(1, fake.count("CreateDeploymentConfig"), "not retried blindly");
        assertTrue(r.err().contains("The unanswered CreateDeploymentConfig did create deployment config "
                + "aws-deploy-FLEET_PERCENT-75"), r.err());
        List<String> inMoto = deploymentsInMoto();
        assertEquals(1, inMoto.size());
        assertEquals("aws-deploy-FLEET_PERCENT-75", fake.requests("CreateDeployment").get(0)
                .path("deploymentConfigName").asText());
    }

    @Test
    void aRegisterTaskDefinitionAppliedButUnansweredIsFoundByItsContentTagAndUsed(@TempDir Path tmp) throws Exception {
        application("ECS");
        Path file = tmp.resolve("taskdef.json");
        Files.writeString(file, "{\"family\":\"web\",\"containerDefinitions\":[{\"name\":\"web\",\"image\":"
                + "\"123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:" + "b".repeat(64) + "\",\"memory\":512,"
                + "\"portMappings\":[{\"containerPort\":8080}]}]}");
        front.loseAnswers("RegisterTaskDefinition", 1, AwsFront.Loss.RESET);
        fake.lifecycle(look("Succeeded").platform("ECS"));

        Cli.Run r = cli.run("code-deploy-rolling", "--application", "myapp", "--deployment-group", "prod",
                "--task-definition", file.toString(), "--container-name", "web", "--container-port", "8080",
                "--output", "json");

        assertEquals(0, r.exit(), r.toString());
        List<String> revisions;
        try (var ecs = AwsClients.ecs(moto.url(), "eu-west-1")) {
            revisions = ecs.listTaskDefinitions(b -> b.familyPrefix("web")).taskDefinitionArns();
        }
        String web2 = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2";
        assertEquals(List.of("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1", web2), revisions,
                "web:1 by the test, web:2 once by the step");
        assertEquals(1, fake.count("RegisterTaskDefinition"), "one attempt, no SDK retry");
        assertTrue(r.err().contains("The unanswered RegisterTaskDefinition did create " + web2), r.err());
        String content = fake.requests("CreateDeployment").get(0).path("revision").path("appSpecContent")
                .path("content").asText();
        assertTrue(content.contains(web2), content);
    }
}
