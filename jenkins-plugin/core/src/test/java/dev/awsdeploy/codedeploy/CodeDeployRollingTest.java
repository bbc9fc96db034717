package dev.awsdeploy.codedeploy;

import static dev.awsdeploy.codedeploy.CodeDeployFake.look;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.run.AbortSignal;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.AwsFront;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.MotoServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.codedeploy.CodeDeployClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Given a CodeDeploy application and group in moto (with WireMock answering what moto lacks), when
 * codeDeployRolling runs through the real CLI, then CodeDeploy got exactly the calls a safe deployment needs and
 * the user read what happened.
 */
class CodeDeployRollingTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    AwsFront front = new AwsFront(moto);
    @TempDir
    Path tmp;

    private CodeDeployFake fake;
    private Cli cli;
    private final FakeClock clock = new FakeClock();

    static final String REGION = "eu-west-1";
    static final String BUCKET = "releases";
    static final String WEB_1 = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1";

    @BeforeEach
    void given() {
        fake = new CodeDeployFake(front);
        cli = new Cli(front.url()).clock(clock);
    }

    static StaticCredentialsProvider creds() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
    }

    static CodeDeployClient codeDeploy() {
        return CodeDeployClient.builder().endpointOverride(URI.create(moto.url())).region(Region.of(REGION))
                .credentialsProvider(creds()).build();
    }

    static S3Client s3() {
        return S3Client.builder().endpointOverride(URI.create(moto.url())).region(Region.of(REGION))
                .credentialsProvider(creds()).forcePathStyle(true).build();
    }

    /** An application of the platform with one deployment group, and a bundle in S3. */
    void application(String platform) {
        String taskDefinition = fake.givenApplication(moto, platform, "myapp/app-1.2.3.zip",
                "ECS".equals(platform) ? "CodeDeployDefault.ECSAllAtOnce" : "CodeDeployDefault.OneAtATime");
        if ("ECS".equals(platform)) {
            assertEquals(WEB_1, taskDefinition);
        }
    }

    static List<String> s3Args() {
        return Cli.args("code-deploy-rolling", "--application", "myapp", "--deployment-group", "prod",
                "--s3-bucket", BUCKET, "--s3-key", "myapp/app-1.2.3.zip", "--output", "json");
    }

    static JsonNode json(Cli.Run r) throws Exception {
        return Json.MAPPER.readTree(r.out());
    }

    static long lines(String text, String containing) {
        return text.lines().filter(l -> l.contains(containing)).count();
    }

    @Test
    void aRollingDeploymentFromS3SucceedsWithAlarmsAndRollbackSetOnTheDeployment() throws Exception {
        application("Server");
        try (CloudWatchClient cw = CloudWatchClient.builder().endpointOverride(URI.create(moto.url()))
                .region(Region.of(REGION)).credentialsProvider(creds()).build()) {
            cw.putMetricAlarm(b -> b.alarmName("HighErrorRate").metricName("ErrorRate").namespace("AWS/ApplicationELB")
                    .statistic("Average").period(60).evaluationPeriods(1).threshold(5.0)
                    .comparisonOperator("GreaterThanThreshold"));
        }
        fake.lifecycle(look("Created"), look("InProgress").counts(3, 0, 0, 0, 0),
                look("InProgress").counts(2, 1, 0, 0, 0), look("InProgress").counts(2, 1, 0, 0, 0),
                look("InProgress").counts(0, 1, 2, 0, 0), look("Succeeded").counts(0, 0, 3, 0, 0));
        List<String> args = s3Args();
        args.addAll(List.of("--alarms", "HighErrorRate", "--deployment-config", "CodeDeployDefault.HalfAtATime",
                "--file-exists-behavior", "overwrite", "--ignore-application-stop-failures"));

        Cli.Run r = cli.env("BUILD_URL", "https://jenkins.example.com/job/myapp/42/").run(args);

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals("Succeeded", result.path("status").asText());
        assertFalse(result.path("rolledBack").asBoolean());
        assertEquals(3, result.path("instances").path("succeeded").asInt());
        List<String> created;
        try (CodeDeployClient cd = codeDeploy()) {
            created = cd.listDeployments(b -> b.applicationName("myapp").deploymentGroupName("prod")).deployments();
        }
        assertEquals(List.of(result.path("deploymentId").asText()), created);
        JsonNode request = fake.requests("CreateDeployment").get(0);
        assertEquals("CodeDeployDefault.HalfAtATime", request.path("deploymentConfigName").asText());
        assertEquals("myapp/app-1.2.3.zip", request.path("revision").path("s3Location").path("key").asText());
        assertEquals("zip", request.path("revision").path("s3Location").path("bundleType").asText());
        assertEquals("[\"DEPLOYMENT_FAILURE\",\"DEPLOYMENT_STOP_ON_ALARM\"]",
                request.path("autoRollbackConfiguration").path("events").toString());
        assertTrue(request.path("autoRollbackConfiguration").path("enabled").asBoolean());
        assertEquals("HighErrorRate", request.path("overrideAlarmConfiguration").path("alarms").path(0).path("name")
                .asText());
        assertEquals("https://jenkins.example.com/job/myapp/42/", request.path("description").asText());
        assertEquals("OVERWRITE", request.path("fileExistsBehavior").asText());
        assertTrue(request.path("ignoreApplicationStopFailures").asBoolean());
        // Progress only on change: the repeated look is not printed twice.
        assertEquals(1, lines(r.err(), "Instances: 2 pending, 1 in progress, 0 succeeded"), r.err());
        assertEquals(1, lines(r.err(), "Instances: 0 pending, 0 in progress, 3 succeeded"), r.err());
        assertEquals(1, lines(r.err(), ": InProgress"), r.err());
        assertEquals(6, result.path("apiCalls").path("CodeDeploy.GetDeployment").asInt(), r.out());
        assertEquals(1, result.path("apiCalls").path("CodeDeploy.CreateDeployment").asInt(), r.out());
    }

    @Test
    void anInlineMinimumOfHealthyHostsIsCreatedOnceAndReused() throws Exception {
        application("Server");
        fake.configCreatedOnDemand("aws-deploy-FLEET_PERCENT-75", "{\"deploymentConfigName\":"
                + "\"aws-deploy-FLEET_PERCENT-75\",\"computePlatform\":\"Server\",\"minimumHealthyHosts\":"
                + "{\"type\":\"FLEET_PERCENT\",\"value\":75}}");
        fake.lifecycle(look("Succeeded").counts(0, 0, 4, 0, 0));
        fake.batchGet();
        List<String> args = s3Args();
        args.addAll(List.of("--minimum-healthy-hosts", "FLEET_PERCENT:75"));

        Cli.Run first = cli.run(args);
        Cli.Run second = cli.run(args);

        assertEquals(0, first.exit(), first.toString());
        assertEquals(0, second.exit(), second.toString());
        List<JsonNode> creates = fake.requests("CreateDeploymentConfig");
        assertEquals(1, creates.size());
        assertEquals("aws-deploy-FLEET_PERCENT-75", creates.get(0).path("deploymentConfigName").asText());
        assertEquals("FLEET_PERCENT", creates.get(0).path("minimumHealthyHosts").path("type").asText());
        assertEquals(75, creates.get(0).path("minimumHealthyHosts").path("value").asInt());
        assertEquals("Server", creates.get(0).path("computePlatform").asText());
        for (JsonNode d : fake.requests("CreateDeployment")) {
            assertEquals("aws-deploy-FLEET_PERCENT-75", d.path("deploymentConfigName").asText());
        }
        assertTrue(first.err().contains("Created deployment config aws-deploy-FLEET_PERCENT-75 (minimum healthy "
                + "hosts FLEET_PERCENT:75)"), first.err());
        assertFalse(second.err().contains("Created deployment config"), second.err());
    }

    @Test
    void aFailedDeploymentNamesTheInstanceAndTheLifecycleEventThatFailed() throws Exception {
        application("Server");
        fake.lifecycle(look("InProgress").counts(1, 1, 1, 0, 0),
                look("Failed").counts(0, 0, 1, 1, 1).error("SCRIPT_FAILED", "Script at specified location: "
                        + "scripts/start_server.sh run as user root failed with exit code 1"));
        fake.failedInstance("i-0abc1234def567890", "ApplicationStart", "ScriptFailed",
                "Script at specified location: scripts/start_server.sh run as user root failed with exit code 1",
                "[stdout]starting\n[stderr]port 8080 already in use");
        List<String> args = s3Args();
        args.addAll(List.of("--auto-rollback", "false"));

        Cli.Run r = cli.run(args);

        assertEquals(3, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals("Failed", result.path("status").asText());
        assertFalse(result.path("rolledBack").asBoolean());
        assertTrue(result.path("error").asText().startsWith("SCRIPT_FAILED: Script at specified location"),
                r.out());
        String failure = result.path("failures").path(0).asText();
        assertTrue(failure.startsWith("i-0abc1234def567890: ApplicationStart failed (ScriptFailed, script "
                + "scripts/start_server.sh"), failure);
        assertTrue(failure.endsWith("last log line: [stderr]port 8080 already in use"), failure);
        assertTrue(r.err().contains("i-0abc1234def567890: ApplicationStart failed"), r.err());
        assertEquals(1, fake.requests("ListDeploymentTargets").size());
        assertEquals("[\"Failed\"]", fake.requests("ListDeploymentTargets").get(0).path("targetFilters")
                .path("TargetStatus").toString());
        assertEquals(false, fake.requests("CreateDeployment").get(0).path("autoRollbackConfiguration")
                .path("enabled").asBoolean());
    }

    @Test
    void aStoppedDeploymentIsFollowedThroughItsRollbackAndNeverReportedAsSuccess() throws Exception {
        application("Server");
        fake.lifecycle(look("InProgress").counts(2, 1, 1, 0, 0),
                look("Stopped").counts(0, 0, 1, 0, 3).error("ALARM_ACTIVE",
                        "One or more alarms have been activated according to the Amazon CloudWatch metrics you "
                                + "selected, and the affected deployments have been stopped. Activated alarms: "
                                + "<HighErrorRate>").rollback("d-ROLLBACK01", "Rollback in progress"));
        fake.lifecycleOf("d-ROLLBACK01", look("InProgress").id("d-ROLLBACK01").counts(1, 1, 0, 0, 0),
                look("Succeeded").id("d-ROLLBACK01").counts(0, 0, 2, 0, 0));
        fake.failedInstance("i-0aaa", "ApplicationStart", "ScriptFailed", "not used", "");
        fake.noTargets();

        Cli.Run r = cli.run(s3Args());

        assertEquals(3, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals("RolledBack", result.path("status").asText());
        assertEquals("Stopped", result.path("deploymentStatus").asText());
        assertTrue(result.path("rolledBack").asBoolean());
        assertEquals("d-ROLLBACK01", result.path("rollbackDeploymentId").asText());
        assertEquals("Succeeded", result.path("rollbackStatus").asText());
        assertTrue(result.path("summary").asText().contains("ALARM_ACTIVE"), r.out());
        assertTrue(result.path("summary").asText().contains("rolled back by d-ROLLBACK01"), r.out());
        assertTrue(r.err().contains("CodeDeploy is rolling back: following rollback deployment d-ROLLBACK01"),
                r.err());
        assertTrue(r.err().contains("Rollback d-ROLLBACK01: Succeeded"), r.err());
        assertEquals(0, fake.count("StopDeployment"));
    }

    @Test
    void aDeploymentStuckInProgressIsStoppedAtTheTimeoutAndItsRollbackFollowedToTheEndWithExit4() throws Exception {
        application("Server");
        fake.lifecycle(look("InProgress").counts(2, 1, 0, 0, 0));
        fake.stopLeadsTo(look("InProgress").counts(2, 1, 0, 0, 0),
                CodeDeployFake.stopped("d-ROLLBACK09"));
        fake.lifecycleOf("d-ROLLBACK09", look("InProgress").id("d-ROLLBACK09").counts(1, 1, 1, 0, 0),
                look("Succeeded").id("d-ROLLBACK09").counts(0, 0, 3, 0, 0));
        fake.noTargets();
        List<String> args = s3Args();
        args.addAll(List.of("--timeout", "15m"));

        Cli.Run r = cli.run(args);

        assertEquals(4, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals("TIMED_OUT", result.path("outcome").asText());
        assertEquals("TimedOut", result.path("status").asText());
        List<JsonNode> stops = fake.requests("StopDeployment");
        assertEquals(1, stops.size());
        assertEquals(result.path("deploymentId").asText(), stops.get(0).path("deploymentId").asText());
        assertTrue(stops.get(0).path("autoRollbackEnabled").asBoolean());
        assertEquals("Pending", result.path("stopStatus").asText());
        // The rollback the stop started is followed and reported like an automatic one.
        assertEquals("Stopped", result.path("deploymentStatus").asText());
        assertTrue(result.path("rolledBack").asBoolean(), r.out());
        assertEquals("d-ROLLBACK09", result.path("rollbackDeploymentId").asText());
        assertEquals("Succeeded", result.path("rollbackStatus").asText());
        assertTrue(result.path("summary").asText().contains("at the timeout of 15m; stopped it with automatic "
                + "rollback; rolled back by d-ROLLBACK09"), r.out());
        assertTrue(r.err().contains("Timed out after 15m"), r.err());
        assertTrue(r.err().contains("Rollback d-ROLLBACK09: Succeeded (3 succeeded"), r.err());
        assertEquals(2, fake.requests("GetDeployment").stream().filter(q -> q.path("deploymentId").asText()
                .equals("d-ROLLBACK09")).count());
        // The wait polled with backoff: well under one GetDeployment per 10 s over 15 minutes.
        int polls = result.path("apiCalls").path("CodeDeploy.GetDeployment").asInt();
        assertTrue(polls > 20 && polls <= 15 * 6, "GetDeployment calls: " + polls);
        assertTrue(Duration.between(java.time.Instant.parse("2026-11-25T12:00:00Z"), clock.now())
                .compareTo(Duration.ofMinutes(16)) < 0, clock.now().toString());
    }

    @Test
    void aRunCutShortWhileFollowingTheStopResumesFollowingWithoutASecondStop() throws Exception {
        application("Server");
        fake.lifecycle(look("InProgress").counts(2, 1, 0, 0, 0));
        fake.stopLeadsTo(look("InProgress").counts(2, 1, 0, 0, 0), look("InProgress").counts(2, 1, 0, 0, 0),
                CodeDeployFake.stopped("d-ROLLBACK08"));
        fake.lifecycleOf("d-ROLLBACK08", look("Succeeded").id("d-ROLLBACK08").counts(0, 0, 3, 0, 0));
        fake.noTargets();
        Path state = tmp.resolve("deploy.state");
        List<String> args = s3Args();
        args.addAll(List.of("--timeout", "5m", "--state-file", state.toString()));
        clock.at(Duration.ofMinutes(5).plusSeconds(1), () -> {
            throw new IllegalStateException("the agent went away");
        });

        Cli.Run cut = cli.run(args);

        assertEquals(1, cut.exit(), cut.toString());
        assertEquals(1, fake.count("StopDeployment"));
        JsonNode saved = Json.MAPPER.readTree(state.toFile()).path("state");
        assertEquals("TIMED_OUT", saved.path("stopVerdict").asText(), saved.toString());

        Cli.Run resumed = cli.run(args);

        assertEquals(4, resumed.exit(), resumed.toString());
        JsonNode result = json(resumed);
        assertTrue(result.path("rolledBack").asBoolean(), resumed.out());
        assertEquals("d-ROLLBACK08", result.path("rollbackDeploymentId").asText());
        assertEquals(1, fake.count("StopDeployment"), "the resumed run follows the stop, it does not stop again");
        assertEquals(1, fake.count("CreateDeployment"));
    }

    @Test
    void aStopAtTheTimeoutWithNothingToRollBackToSaysSo() throws Exception {
        application("Server");
        fake.lifecycle(look("InProgress").counts(2, 1, 0, 0, 0));
        fake.stopLeadsTo(CodeDeployFake.stopped(null));
        fake.noTargets();
        List<String> args = s3Args();
        args.addAll(List.of("--timeout", "5m"));

        Cli.Run r = cli.run(args);

        assertEquals(4, r.exit(), r.toString());
        JsonNode result = json(r);
        assertFalse(result.path("rolledBack").asBoolean());
        assertTrue(result.path("summary").asText().contains("CodeDeploy started no rollback"), r.out());
    }

    @Test
    void aThrottledGetDeploymentIsRetriedWithBackoffAndTheWaitCarriesOn() throws Exception {
        application("Server");
        fake.lifecycle(look("InProgress").counts(1, 1, 1, 0, 0), look("Succeeded").counts(0, 0, 3, 0, 0));
        front.throttle("GetDeployment", 2, false);

        Cli.Run r = cli.run(s3Args());

        assertEquals(0, r.exit(), r.toString());
        assertEquals("Succeeded", json(r).path("status").asText());
        assertEquals(4, fake.count("GetDeployment"), "2 throttled attempts, then the two looks");
        assertEquals(2, json(r).path("apiCalls").path("CodeDeploy.GetDeployment").asInt());
    }

    @Test
    void aBlueGreenDeploymentWaitingAtReadyIsReportedOnceAndNotContinuedUnlessAsked() throws Exception {
        application("ECS");
        fake.lifecycle(look("InProgress").platform("ECS"), look("Ready").platform("ECS"));
        fake.stopAnswers("Pending", "Stopping pending");
        fake.noTargets();

        Cli.Run r = cli.run("code-deploy-rolling", "--application", "myapp", "--deployment-group", "prod",
                "--task-definition", WEB_1, "--container-name",
                "web", "--container-port", "8080", "--timeout", "5m", "--output", "json");

        assertEquals(4, r.exit(), r.toString());
        assertEquals(1, lines(r.err(), "Ready: the replacement is up; CodeDeploy waits for traffic to be rerouted"),
                r.err());
        assertEquals(0, fake.count("ContinueDeployment"));
        assertEquals(1, fake.count("StopDeployment"));
    }

    @Test
    void aRollbackThatFailsTooIsReportedWithBothErrors() throws Exception {
        application("Server");
        fake.lifecycle(look("Failed").counts(0, 0, 1, 1, 2).error("HEALTH_CONSTRAINTS",
                "The overall deployment failed because too many individual instances failed deployment")
                .rollback("d-ROLLBACK02", "Rollback in progress"));
        fake.lifecycleOf("d-ROLLBACK02", look("Failed").id("d-ROLLBACK02").error("SCRIPT_FAILED",
                "Script at specified location: scripts/stop_server.sh failed with exit code 1"));
        fake.failedInstance("i-0bad", "ValidateService", "ScriptFailed", "health check failed", "curl: (7) refused");

        Cli.Run r = cli.run(s3Args());

        assertEquals(3, r.exit(), r.toString());
        JsonNode result = json(r);
        assertFalse(result.path("rolledBack").asBoolean(), "a rollback that failed did not roll back");
        assertEquals("d-ROLLBACK02", result.path("rollbackDeploymentId").asText());
        assertEquals("Failed", result.path("rollbackStatus").asText());
        String summary = result.path("summary").asText();
        assertTrue(summary.contains("Failed: HEALTH_CONSTRAINTS"), summary);
        assertTrue(summary.contains("the rollback d-ROLLBACK02 also ended Failed: Script at specified location: "
                + "scripts/stop_server.sh"), summary);
        assertTrue(result.path("failures").path(0).asText().startsWith("i-0bad: ValidateService failed"), r.out());
    }

    @Test
    void anInlineConfigNameTakenByOtherSettingsIsBadInputAndNothingIsCreated() throws Exception {
        application("Server");
        fake.configExists("{\"deploymentConfigName\":\"aws-deploy-HOST_COUNT-2\",\"computePlatform\":\"Server\","
                + "\"minimumHealthyHosts\":{\"type\":\"FLEET_PERCENT\",\"value\":50}}");
        List<String> args = s3Args();
        args.addAll(List.of("--minimum-healthy-hosts", "HOST_COUNT:2"));
        moto.startCounting();

        Cli.Run r = cli.run(args);

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("minimumHealthyHosts 'aws-deploy-HOST_COUNT-2': a deployment config of that "
                + "name exists with other settings (minimum healthy hosts FLEET_PERCENT:50)"), r.err());
        assertEquals(0, fake.count("CreateDeploymentConfig"));
        assertEquals(List.of(), moto.mutatingRequests());
    }

    @Test
    void aLambdaDeploymentShiftsLinearlyWithAConfigCreatedForTheLambdaPlatform() throws Exception {
        application("Lambda");
        try (S3Client s3 = s3()) {
            s3.putObject(b -> b.bucket(BUCKET).key("myapp/appspec.yml"), RequestBody.fromString(
                    "version: 0.0\nResources:\n  - myfn:\n      Type: AWS::Lambda::Function\n"));
        }
        fake.configCreatedOnDemand("aws-deploy-Lambda-Linear10PercentEvery1Minutes", "{\"deploymentConfigName\":"
                + "\"aws-deploy-Lambda-Linear10PercentEvery1Minutes\",\"computePlatform\":\"Lambda\","
                + "\"trafficRoutingConfig\":{\"type\":\"TimeBasedLinear\",\"timeBasedLinear\":"
                + "{\"linearPercentage\":10,\"linearInterval\":1}}}");
        fake.lifecycle(look("InProgress").platform("Lambda"), look("Succeeded").platform("Lambda"));

        Cli.Run r = cli.run("code-deploy-rolling", "--application", "myapp", "--deployment-group", "prod",
                "--s3-bucket", BUCKET, "--s3-key", "myapp/appspec.yml", "--traffic-routing",
                "Linear10PercentEvery1Minute", "--output", "json");

        assertEquals(0, r.exit(), r.toString());
        JsonNode config = fake.requests("CreateDeploymentConfig").get(0);
        assertEquals("Lambda", config.path("computePlatform").asText());
        assertEquals("TimeBasedLinear", config.path("trafficRoutingConfig").path("type").asText());
        assertEquals(1, config.path("trafficRoutingConfig").path("timeBasedLinear").path("linearInterval").asInt());
        JsonNode create = fake.requests("CreateDeployment").get(0);
        assertEquals("YAML", create.path("revision").path("s3Location").path("bundleType").asText());
        assertEquals("aws-deploy-Lambda-Linear10PercentEvery1Minutes", create.path("deploymentConfigName").asText());
    }

    @Test
    void anAbortStopsTheDeploymentFollowsTheRollbackItStartedAndExits3() throws Exception {
        application("Server");
        fake.lifecycle(look("InProgress").counts(2, 1, 0, 0, 0));
        fake.stopLeadsTo(CodeDeployFake.stopped("d-ROLLBACK07"));
        fake.lifecycleOf("d-ROLLBACK07", look("InProgress").id("d-ROLLBACK07").counts(1, 1, 0, 0, 0),
                look("InProgress").id("d-ROLLBACK07").counts(0, 1, 1, 0, 0),
                look("Succeeded").id("d-ROLLBACK07").counts(0, 0, 2, 0, 0));
        fake.noTargets();
        AbortSignal abort = new AbortSignal();
        clock.at(Duration.ofMinutes(2), () -> abort.abort("aborted by SIGTERM"));

        Cli.Run r = cli.abort(abort).run(s3Args());

        assertEquals(3, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals("Aborted", result.path("status").asText());
        assertEquals(1, fake.count("StopDeployment"));
        assertTrue(fake.requests("StopDeployment").get(0).path("autoRollbackEnabled").asBoolean());
        assertTrue(r.err().contains("Aborted by SIGTERM: stopping deployment "), r.err());
        assertTrue(result.path("rolledBack").asBoolean(), r.out());
        assertEquals("d-ROLLBACK07", result.path("rollbackDeploymentId").asText());
        assertEquals("Succeeded", result.path("rollbackStatus").asText());
        assertTrue(result.path("summary").asText().contains("aborted by SIGTERM; stopped deployment "), r.out());
        assertTrue(result.path("summary").asText().endsWith("rolled back by d-ROLLBACK07"), r.out());
        assertEquals(3, fake.requests("GetDeployment").stream().filter(q -> q.path("deploymentId").asText()
                .equals("d-ROLLBACK07")).count(), "the rollback was looked at until it ended");
    }

    @Test
    void aWaitCutShortResumesFromItsStateFileWithoutASecondDeploymentAndKeepsItsDeadline() throws Exception {
        application("Server");
        fake.lifecycle(look("InProgress").counts(2, 1, 0, 0, 0));
        Path state = tmp.resolve("deploy.state");
        List<String> args = s3Args();
        args.addAll(List.of("--state-file", state.toString()));
        clock.at(Duration.ofMinutes(3), () -> {
            throw new IllegalStateException("the agent went away");
        });

        Cli.Run cut = cli.run(args);

        assertEquals(1, cut.exit(), cut.toString());
        assertTrue(Files.exists(state), "the state survives");
        JsonNode saved = Json.MAPPER.readTree(state.toFile()).path("state");
        String id = saved.path("deploymentId").asText();
        fake.lifecycle(look("Succeeded").counts(0, 0, 3, 0, 0));
        fake.wiremock().resetScenarios();

        Cli.Run resumed = cli.run(args);

        assertEquals(0, resumed.exit(), resumed.toString());
        assertEquals(id, json(resumed).path("deploymentId").asText());
        assertEquals(1, fake.count("CreateDeployment"));
        assertTrue(resumed.err().contains("Resuming the wait on deployment " + id + "; deadline stays "
                + saved.path("deadline").asText()), resumed.err());
        assertEquals("2026-11-25T13:00:00Z", saved.path("deadline").asText());
        assertFalse(Files.exists(state), "a finished run leaves no state behind");
    }

    @Test
    void aReplayAttachesToTheRunningDeploymentOfTheSameRevisionInsteadOfStartingASecond() throws Exception {
        application("Server");
        String running;
        try (CodeDeployClient cd = codeDeploy()) {
            running = cd.createDeployment(b -> b.applicationName("myapp").deploymentGroupName("prod")
                    .revision(rv -> rv.revisionType("S3").s3Location(s -> s.bucket(BUCKET)
                            .key("myapp/app-1.2.3.zip").bundleType("zip")))).deploymentId();
        }
        JsonNode revision = Json.MAPPER.readTree("{\"revisionType\":\"S3\",\"s3Location\":{\"bucket\":\"" + BUCKET
                + "\",\"key\":\"myapp/app-1.2.3.zip\",\"bundleType\":\"zip\"}}");
        fake.batchGet(look("InProgress").id(running).revision(revision));
        fake.lifecycle(look("InProgress").counts(1, 1, 1, 0, 0), look("Succeeded").counts(0, 0, 3, 0, 0));
        moto.startCounting();

        Cli.Run r = cli.run(s3Args());

        assertEquals(0, r.exit(), r.toString());
        assertEquals(running, json(r).path("deploymentId").asText());
        assertEquals(0, moto.count("CreateDeployment"));
        assertEquals(0, fake.count("CreateDeployment"));
        assertTrue(r.err().contains("Deployment " + running + " of this revision is already InProgress on prod: "
                + "attaching to it"), r.err());
    }

    @Test
    void theRevisionOfTheLastSuccessfulDeploymentIsUnchangedUnlessForced() throws Exception {
        application("Server");
        fake.wiremock().stubFor(AwsFront.operation("GetDeploymentGroup").atPriority(5).willReturn(AwsFront.json(
                "{\"deploymentGroupInfo\":{\"applicationName\":\"myapp\",\"deploymentGroupName\":\"prod\","
                        + "\"deploymentConfigName\":\"CodeDeployDefault.OneAtATime\",\"computePlatform\":\"Server\","
                        + "\"lastSuccessfulDeployment\":{\"deploymentId\":\"d-GOOD0001\",\"status\":\"Succeeded\","
                        + "\"endTime\":1795521000.0,\"createTime\":1795520000.0}}}")));
        JsonNode revision = Json.MAPPER.readTree("{\"revisionType\":\"S3\",\"s3Location\":{\"bucket\":\"" + BUCKET
                + "\",\"key\":\"myapp/app-1.2.3.zip\",\"bundleType\":\"zip\"}}");
        fake.lifecycleOf("d-GOOD0001", look("Succeeded").id("d-GOOD0001").revision(revision));
        fake.lifecycle(look("Succeeded").counts(0, 0, 3, 0, 0));
        moto.startCounting();

        Cli.Run same = cli.run(s3Args());

        assertEquals(0, same.exit(), same.toString());
        assertEquals("unchanged", json(same).path("status").asText());
        assertEquals("d-GOOD0001", json(same).path("deploymentId").asText());
        assertEquals(List.of(), moto.mutatingRequests());

        List<String> forced = s3Args();
        forced.add("--force");
        Cli.Run again = cli.run(forced);

        assertEquals(0, again.exit(), again.toString());
        assertEquals("Succeeded", json(again).path("status").asText());
        assertEquals(1, moto.count("CreateDeployment"));
    }

    @Test
    void aLocalBundleIsZippedDeterministicallyAndUploadedOnlyOnce() throws Exception {
        application("Server");
        Path bundle = Files.createDirectories(tmp.resolve("myapp-bundle"));
        Files.writeString(bundle.resolve("appspec.yml"), "version: 0.0\nos: linux\n");
        Files.createDirectories(bundle.resolve("scripts"));
        Files.writeString(bundle.resolve("scripts/start_server.sh"), "#!/bin/sh\nexec java -jar app.jar\n");
        fake.lifecycle(look("Succeeded").counts(0, 0, 2, 0, 0));
        fake.batchGet();
        List<String> args = Cli.args("code-deploy-rolling", "--application", "myapp", "--deployment-group", "prod",
                "--bundle", bundle.toString(), "--s3-bucket", BUCKET, "--s3-prefix", "builds/myapp",
                "--output", "json");
        moto.startCounting();

        Cli.Run first = cli.run(args);
        Files.setLastModifiedTime(bundle.resolve("appspec.yml"), java.nio.file.attribute.FileTime.fromMillis(0));
        Cli.Run second = cli.run(args);

        assertEquals(0, first.exit(), first.toString());
        assertEquals(0, second.exit(), second.toString());
        long puts = moto.requests().stream().filter(q -> q.method().equals("PUT") && q.url().contains("/builds/"))
                .count();
        assertEquals(1, puts, moto.requests().toString());
        List<JsonNode> deployments = fake.requests("CreateDeployment");
        assertEquals(2, deployments.size());
        String key = deployments.get(0).path("revision").path("s3Location").path("key").asText();
        assertTrue(key.matches("builds/myapp/myapp-bundle-[0-9a-f]{16}\\.zip"), key);
        assertEquals(key, deployments.get(1).path("revision").path("s3Location").path("key").asText());
        try (S3Client s3 = s3()) {
            byte[] uploaded = s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
            assertEquals(key.substring(key.length() - 20, key.length() - 4),
                    BundleZip.sha256(uploaded).substring(0, 16));
            try (var zip = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(uploaded))) {
                assertEquals("appspec.yml", zip.getNextEntry().getName());
                assertEquals("scripts/start_server.sh", zip.getNextEntry().getName());
            }
        }
        assertTrue(first.err().contains("Uploaded the bundle to s3://releases/" + key), first.err());
        assertFalse(second.err().contains("Uploaded the bundle"), second.err());
    }

    @Test
    void anEcsCanaryIsCreatedAsAppSpecWithItsTrafficRoutingAndContinuedAtReady() throws Exception {
        application("ECS");
        fake.configCreatedOnDemand("aws-deploy-ECS-Canary10Percent5Minutes", "{\"deploymentConfigName\":"
                + "\"aws-deploy-ECS-Canary10Percent5Minutes\",\"computePlatform\":\"ECS\",\"trafficRoutingConfig\":"
                + "{\"type\":\"TimeBasedCanary\",\"timeBasedCanary\":{\"canaryPercentage\":10,\"canaryInterval\":5}}}");
        fake.lifecycle(look("InProgress").platform("ECS"), look("Ready").platform("ECS"),
                look("InProgress").platform("ECS"), look("InProgress").platform("ECS"),
                look("Succeeded").platform("ECS"));
        fake.continueAnswers();
        fake.wiremock().stubFor(AwsFront.operation("ListDeploymentTargets").atPriority(5)
                .willReturn(AwsFront.json("{\"targetIds\":[\"web-cluster:web\"]}")));
        fake.wiremock().stubFor(AwsFront.operation("BatchGetDeploymentTargets").atPriority(5)
                .willReturn(AwsFront.json("{\"deploymentTargets\":[{\"deploymentTargetType\":\"ECSTarget\","
                        + "\"ecsTarget\":{\"targetId\":\"web-cluster:web\",\"status\":\"InProgress\","
                        + "\"taskSetsInfo\":[{\"identifer\":\"ecs-svc/1\",\"taskSetLabel\":\"Blue\","
                        + "\"trafficWeight\":90.0},{\"identifer\":\"ecs-svc/2\",\"taskSetLabel\":\"Green\","
                        + "\"trafficWeight\":10.0}]}}]}")));
        String arn = WEB_1;

        Cli.Run r = cli.run("code-deploy-rolling", "--application", "myapp", "--deployment-group", "prod",
                "--task-definition", arn, "--container-name", "web", "--container-port", "8080",
                "--traffic-routing", "Canary10Percent5Minutes", "--continue-at-ready", "--output", "json");

        assertEquals(0, r.exit(), r.toString());
        JsonNode create = fake.requests("CreateDeployment").get(0);
        assertEquals("aws-deploy-ECS-Canary10Percent5Minutes", create.path("deploymentConfigName").asText());
        assertEquals("AppSpecContent", create.path("revision").path("revisionType").asText());
        JsonNode appSpec = Json.MAPPER.readTree(create.path("revision").path("appSpecContent").path("content")
                .asText());
        JsonNode props = appSpec.path("Resources").path(0).path("TargetService").path("Properties");
        assertEquals(arn, props.path("TaskDefinition").asText());
        assertEquals("web", props.path("LoadBalancerInfo").path("ContainerName").asText());
        assertEquals(8080, props.path("LoadBalancerInfo").path("ContainerPort").asInt());
        JsonNode config = fake.requests("CreateDeploymentConfig").get(0);
        assertEquals(10, config.path("trafficRoutingConfig").path("timeBasedCanary").path("canaryPercentage").asInt());
        assertEquals(5, config.path("trafficRoutingConfig").path("timeBasedCanary").path("canaryInterval").asInt());
        List<JsonNode> continues = fake.requests("ContinueDeployment");
        assertEquals(1, continues.size());
        assertEquals("READY_WAIT", continues.get(0).path("deploymentWaitType").asText());
        assertTrue(r.err().contains("ECS traffic: Blue 90 %, Green 10 %"), r.err());
        assertEquals(90.0, json(r).path("traffic").path("Blue").asDouble());
    }

    @Test
    void anEcsTaskDefinitionFileIsRegisteredOnceAndItsArnGoesIntoTheAppSpec() throws Exception {
        application("ECS");
        Path file = tmp.resolve("taskdef.json");
        Files.writeString(file, "{\"family\":\"web\",\"containerDefinitions\":[{\"name\":\"web\",\"image\":"
                + "\"123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:" + "a".repeat(64) + "\",\"memory\":512,"
                + "\"portMappings\":[{\"containerPort\":8080}]}]}");
        fake.lifecycle(look("Succeeded").platform("ECS"));
        fake.batchGet();
        List<String> args = Cli.args("code-deploy-rolling", "--application", "myapp", "--deployment-group", "prod",
                "--task-definition", file.toString(), "--container-name", "web", "--container-port", "8080",
                "--output", "json");

        Cli.Run first = cli.run(args);
        Cli.Run second = cli.run(args);

        assertEquals(0, first.exit(), first.toString());
        assertEquals(0, second.exit(), second.toString());
        assertEquals(2, moto.count("RegisterTaskDefinition"), "web:1 by the test, web:2 once by the step");
        for (JsonNode create : fake.requests("CreateDeployment")) {
            String content = create.path("revision").path("appSpecContent").path("content").asText();
            assertTrue(content.contains("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2"), content);
        }
        assertTrue(second.err().contains("already registered"), second.err());
    }

    @Test
    void aDryRunPrintsThePlanAndChangesNothing() throws Exception {
        application("Server");
        fake.noSuchConfig();
        fake.batchGet();
        List<String> args = s3Args();
        args.addAll(List.of("--minimum-healthy-hosts", "HOST_COUNT:2", "--dry-run"));
        moto.startCounting();

        Cli.Run r = cli.run(args);

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals("would-deploy", result.path("status").asText());
        assertTrue(result.path("plan").path(0).asText().startsWith("create deployment config aws-deploy-HOST_COUNT-2"),
                r.out());
        assertEquals(List.of(), moto.mutatingRequests());
        assertEquals(0, fake.count("CreateDeploymentConfig"));
    }

    @Test
    void anAlarmAlreadyFiringStopsTheStepBeforeAnyChange() throws Exception {
        application("Server");
        try (CloudWatchClient cw = CloudWatchClient.builder().endpointOverride(URI.create(moto.url()))
                .region(Region.of(REGION)).credentialsProvider(creds()).build()) {
            cw.putMetricAlarm(b -> b.alarmName("HighErrorRate").metricName("ErrorRate").namespace("AWS/ApplicationELB")
                    .statistic("Average").period(60).evaluationPeriods(1).threshold(5.0)
                    .comparisonOperator("GreaterThanThreshold"));
        }
        moto.setAlarmState(REGION, "HighErrorRate", "ALARM");
        List<String> args = s3Args();
        args.addAll(List.of("--alarms", "HighErrorRate"));
        moto.startCounting();

        Cli.Run r = cli.run(args);

        assertEquals(3, r.exit(), r.toString());
        assertEquals("alarm-firing", json(r).path("status").asText());
        assertEquals(List.of(), moto.mutatingRequests());
    }

    @Test
    void secretsNeverAppearInTheOutputOrTheRecord() throws Exception {
        application("Server");
        fake.lifecycle(look("Failed").error("HEALTH_CONSTRAINTS", "The overall deployment failed"));
        Path record = tmp.resolve("record.json");
        List<String> args = s3Args();
        args.addAll(List.of("--record", record.toString(), "--auto-rollback", "false"));
        fake.noTargets();

        Cli.Run r = cli.env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY").run(args);

        assertEquals(3, r.exit(), r.toString());
        String everything = r.all() + Files.readString(record);
        assertFalse(everything.contains("wJalrXUtnFEMI"), everything);
        assertTrue(Files.readString(record).contains("HEALTH_CONSTRAINTS"));
    }
}
