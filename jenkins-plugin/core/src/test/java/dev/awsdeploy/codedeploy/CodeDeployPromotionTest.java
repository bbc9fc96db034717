package dev.awsdeploy.codedeploy;

import static dev.awsdeploy.codedeploy.CodeDeployFake.look;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.AwsClients;
import dev.awsdeploy.testing.AwsFront;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.MotoServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Release trains with CodeDeploy: a blue/green deployment left waiting at Ready (awaitPromotion), promoted or aborted
 * by a later run that finds it in CodeDeploy; and one deployment at a time per group — a run that finds another
 * deployment active waits for it (lockTimeout), naming who holds the group.
 */
class CodeDeployPromotionTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    AwsFront front = new AwsFront(moto);

    private CodeDeployFake fake;
    private Cli cli;
    private final FakeClock clock = new FakeClock();
    static final String WEB_1 = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1";
    /** Another team's revision, deployed to the same group. */
    static final JsonNode OTHER_TEAM = Json.MAPPER.valueToTree(java.util.Map.of("revisionType", "S3",
            "s3Location", java.util.Map.of("bucket", "releases", "key", "other-team.zip", "bundleType", "zip")));

    @BeforeEach
    void given() {
        fake = new CodeDeployFake(front);
        cli = new Cli(front.url()).clock(clock);
    }

    static List<String> ecs(String... extra) {
        List<String> a = Cli.args("code-deploy-rolling", "--application", "myapp", "--deployment-group", "prod",
                "--output", "json");
        a.addAll(List.of(extra));
        return a;
    }

    static JsonNode json(Cli.Run r) throws Exception {
        return Json.MAPPER.readTree(r.out());
    }

    static List<String> deploymentsInMoto() {
        try (var cd = AwsClients.codeDeploy(moto.url(), "eu-west-1")) {
            return cd.listDeployments(b -> b.applicationName("myapp").deploymentGroupName("prod")).deployments();
        }
    }

    /** A deployment of web:1 created in moto, as an earlier run with awaitPromotion left it. */
    String earlierDeployment() {
        try (var cd = AwsClients.codeDeploy(moto.url(), "eu-west-1")) {
            return cd.createDeployment(b -> b.applicationName("myapp").deploymentGroupName("prod")
                    .revision(r -> r.revisionType("String").string(s -> s.content("{}")))).deploymentId();
        }
    }

    static JsonNode appSpec(String taskDefinition) throws Exception {
        String content = "{\"version\":0.0,\"Resources\":[{\"TargetService\":{\"Type\":\"AWS::ECS::Service\","
                + "\"Properties\":{\"TaskDefinition\":\"" + taskDefinition + "\",\"LoadBalancerInfo\":"
                + "{\"ContainerName\":\"web\",\"ContainerPort\":8080}}}}]}";
        return Json.MAPPER.readTree("{\"revisionType\":\"AppSpecContent\",\"appSpecContent\":{\"content\":"
                + Json.MAPPER.writeValueAsString(content) + "}}");
    }

    @Test
    void awaitPromotionEndsAtReadyWithExit0AndLeavesTheDeploymentWaitingInCodeDeploy() throws Exception {
        fake.givenApplication(moto, "ECS", "app.zip", "CodeDeployDefault.ECSAllAtOnce");
        fake.blueGreenGroup("ECS", 60);
        fake.lifecycle(look("InProgress").platform("ECS"), look("Ready").platform("ECS"));
        fake.batchGet();

        Cli.Run r = cli.run(ecs("--task-definition", WEB_1, "--container-name", "web", "--container-port", "8080",
                "--await-promotion"));

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals("awaiting-promotion", result.path("status").asText());
        assertEquals("Ready", result.path("deploymentStatus").asText());
        List<String> inMoto = deploymentsInMoto();
        assertEquals(List.of(result.path("deploymentId").asText()), inMoto);
        String summary = result.path("summary").asText();
        assertTrue(summary.contains("waits at Ready in CodeDeploy"), summary);
        assertTrue(summary.contains("nothing but CodeDeploy watches it now"), summary);
        assertTrue(summary.contains("CodeDeploy stops it (and rolls back) 60 min after it reached Ready"), summary);
        assertTrue(summary.contains("action: 'promote'"), summary);
        assertEquals(0, fake.count("ContinueDeployment"));
        assertEquals(0, fake.count("StopDeployment"));
    }

    @Test
    void promoteFindsTheDeploymentAtReadyInCodeDeployContinuesItAndFollowsItToTheEnd() throws Exception {
        fake.givenApplication(moto, "ECS", "app.zip", "CodeDeployDefault.ECSAllAtOnce");
        String waiting = earlierDeployment();
        fake.batchGet(look("Ready").id(waiting).platform("ECS").revision(appSpec(WEB_1))
                .creator("user", "https://jenkins.example.com/job/myapp/41/"));
        fake.continueAnswers();
        fake.lifecycle(look("InProgress").platform("ECS"), look("InProgress").platform("ECS"),
                look("Succeeded").platform("ECS"));
        moto.startCounting();

        Cli.Run r = cli.run(ecs("--action", "promote"));

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals("Succeeded", result.path("status").asText());
        assertEquals(waiting, result.path("deploymentId").asText());
        List<JsonNode> continues = fake.requests("ContinueDeployment");
        assertEquals(1, continues.size());
        assertEquals(waiting, continues.get(0).path("deploymentId").asText());
        assertEquals("READY_WAIT", continues.get(0).path("deploymentWaitType").asText());
        assertEquals(0, fake.count("CreateDeployment"));
        assertEquals(List.of(waiting), deploymentsInMoto());
        assertTrue(r.err().contains("Promoted " + waiting + " (Ready, AppSpec " + WEB_1 + ", created by user, "
                + "https://jenkins.example.com/job/myapp/41/"), r.err());
        fake.requests("GetDeployment").forEach(q -> assertEquals(waiting, q.path("deploymentId").asText()));
    }

    @Test
    void abortStopsTheDeploymentAtReadyWithRollbackAndFollowsTheRollback() throws Exception {
        fake.givenApplication(moto, "ECS", "app.zip", "CodeDeployDefault.ECSAllAtOnce");
        String waiting = earlierDeployment();
        fake.batchGet(look("Ready").id(waiting).platform("ECS").revision(appSpec(WEB_1)));
        fake.stopLeadsTo(look("Stopped").platform("ECS").error("DEPLOYMENT_STOPPED", "stopped by the user")
                .rollback("d-ROLLBACK05", "Rollback in progress"));
        fake.lifecycleOf("d-ROLLBACK05", look("InProgress").id("d-ROLLBACK05").platform("ECS"),
                look("Succeeded").id("d-ROLLBACK05").platform("ECS"));
        fake.noTargets();

        Cli.Run r = cli.run(ecs("--action", "abort"));

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals("aborted", result.path("status").asText());
        assertTrue(result.path("rolledBack").asBoolean());
        assertEquals("d-ROLLBACK05", result.path("rollbackDeploymentId").asText());
        assertEquals("Succeeded", result.path("rollbackStatus").asText());
        List<JsonNode> stops = fake.requests("StopDeployment");
        assertEquals(1, stops.size());
        assertEquals(waiting, stops.get(0).path("deploymentId").asText());
        assertTrue(stops.get(0).path("autoRollbackEnabled").asBoolean());
        assertEquals(0, fake.count("ContinueDeployment"));
        assertEquals(0, fake.count("CreateDeployment"));
        assertTrue(r.err().contains("Aborting " + waiting + " (Ready"), r.err());
        assertTrue(r.err().contains("Rollback d-ROLLBACK05: Succeeded"), r.err());
    }

    @Test
    void promoteWithNothingAtReadyIsAClearErrorNamingWhatIsLiveAndChangesNothing() throws Exception {
        fake.givenApplication(moto, "ECS", "app.zip", "CodeDeployDefault.ECSAllAtOnce");
        String running = earlierDeployment();
        fake.batchGet(look("InProgress").id(running).platform("ECS").revision(appSpec(WEB_1)));
        moto.startCounting();

        Cli.Run r = cli.run(ecs("--action", "promote"));

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("action 'promote': nothing waits at Ready on myapp/prod — running: " + running
                + " (InProgress, AppSpec " + WEB_1), r.err());
        assertEquals(0, fake.count("ContinueDeployment"));
        assertEquals(List.of(), moto.mutatingRequests());
    }

    @Test
    void aGroupBusyWithAnotherRevisionIsWaitedForNamingItsHolderThenDeployed() throws Exception {
        fake.givenApplication(moto, "Server", "app.zip", "CodeDeployDefault.OneAtATime");
        String holder = earlierDeployment();
        fake.batchGet(look("InProgress").id(holder).revision(OTHER_TEAM)
                .creator("user", "https://jenkins.example.com/job/other/7/"));
        clock.at(Duration.ofMinutes(2), () -> fake.batchGet(look("Succeeded").id(holder).revision(OTHER_TEAM)));
        fake.lifecycle(look("InProgress").counts(1, 1, 0, 0, 0), look("Succeeded").counts(0, 0, 2, 0, 0));

        Cli.Run r = cli.run(ecs("--s3-bucket", "releases", "--s3-key", "app.zip"));

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals("Succeeded", result.path("status").asText());
        assertEquals(1, fake.count("CreateDeployment"));
        List<String> inMoto = deploymentsInMoto();
        assertEquals(2, inMoto.size());
        assertTrue(inMoto.contains(result.path("deploymentId").asText()));
        long busy = r.err().lines().filter(l -> l.contains("is busy with " + holder)).count();
        assertEquals(1, busy, "one line for the holder, none per poll:\n" + r.err());
        assertTrue(r.err().contains("is busy with " + holder + " (InProgress, s3://releases/other-team.zip, created "
                + "by user, https://jenkins.example.com/job/other/7/, since "), r.err());
        assertTrue(r.err().contains("waiting up to 5m for it to end"), r.err());
        assertTrue(r.err().contains("Deployment group prod is free: " + holder + " ended after 2m"), r.err());
    }

    @Test
    void aGroupStillBusyAtTheLockTimeoutExits4NamingTheHolderAndChangesNothing() throws Exception {
        fake.givenApplication(moto, "Server", "app.zip", "CodeDeployDefault.OneAtATime");
        String holder = earlierDeployment();
        fake.batchGet(look("InProgress").id(holder).revision(OTHER_TEAM)
                .creator("user", "https://jenkins.example.com/job/other/7/"));
        moto.startCounting();

        Cli.Run r = cli.run(ecs("--s3-bucket", "releases", "--s3-key", "app.zip", "--lock-timeout", "3m"));

        assertEquals(4, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals("group-busy", result.path("status").asText());
        assertEquals(holder, result.path("activeDeployment").path("deploymentId").asText());
        assertEquals("https://jenkins.example.com/job/other/7/", result.path("activeDeployment")
                .path("description").asText());
        assertTrue(result.path("summary").asText().contains("is still busy with " + holder), r.out());
        assertTrue(result.path("summary").asText().contains("after lockTimeout 3m; nothing was changed"), r.out());
        assertEquals(0, fake.count("CreateDeployment"));
        assertEquals(List.of(), moto.mutatingRequests());
        assertEquals(1, r.err().lines().filter(l -> l.contains("is busy with " + holder)).count(), r.err());
        assertFalse(r.err().contains("is free"), r.err());
    }

    @Test
    void anAbortWhileWaitingForTheGroupEndsAtOnceWithNothingChanged() throws Exception {
        fake.givenApplication(moto, "Server", "app.zip", "CodeDeployDefault.OneAtATime");
        String holder = earlierDeployment();
        fake.batchGet(look("Ready").id(holder).revision(OTHER_TEAM));
        dev.awsdeploy.run.AbortSignal abort = new dev.awsdeploy.run.AbortSignal();
        clock.at(Duration.ofMinutes(1), () -> abort.abort("aborted by SIGTERM"));
        moto.startCounting();

        Cli.Run r = cli.abort(abort).run(ecs("--s3-bucket", "releases", "--s3-key", "app.zip"));

        assertEquals(3, r.exit(), r.toString());
        JsonNode result = json(r);
        assertEquals("Aborted", result.path("status").asText());
        assertTrue(result.path("summary").asText().contains("aborted by SIGTERM while waiting for " + holder
                + " to end on prod; nothing was changed"), r.out());
        assertTrue(r.err().contains("(it waits at Ready for promotion: finish it with action: 'promote' or "
                + "'abort')"), r.err());
        assertEquals(List.of(), moto.mutatingRequests());
        assertEquals(0, fake.count("StopDeployment"), "another run's deployment is never touched");
    }

    @Test
    void aDeploymentStartedByOthersBetweenOurLookAndOurCreateIsWaitedForLikeAnyOther() throws Exception {
        fake.givenApplication(moto, "Server", "app.zip", "CodeDeployDefault.OneAtATime");
        String holder = earlierDeployment();
        JsonNode other = OTHER_TEAM;
        var wm = fake.wiremock();
        // Our first look finds the group free; CodeDeploy then refuses our create: the other run got in first.
        wm.stubFor(AwsFront.operation("BatchGetDeployments").inScenario("race").whenScenarioStateIs(Scenario.STARTED)
                .atPriority(4).willReturn(AwsFront.json(batch(look("Succeeded").id(holder).revision(other)))));
        wm.stubFor(AwsFront.operation("CreateDeployment").inScenario("race").whenScenarioStateIs(Scenario.STARTED)
                .willSetStateTo("busy").atPriority(4).willReturn(AwsFront.jsonError(400,
                        "DeploymentLimitExceededException", "The Deployment Group 'prod' already has an active "
                                + "Deployment '" + holder + "'")));
        wm.stubFor(AwsFront.operation("BatchGetDeployments").inScenario("race").whenScenarioStateIs("busy")
                .willSetStateTo("done").atPriority(4).willReturn(AwsFront.json(batch(look("InProgress").id(holder)
                        .revision(other)))));
        wm.stubFor(AwsFront.operation("BatchGetDeployments").inScenario("race").whenScenarioStateIs("done")
                .atPriority(4).willReturn(AwsFront.json(batch(look("Succeeded").id(holder).revision(other)))));
        fake.lifecycle(look("Succeeded").counts(0, 0, 2, 0, 0));

        Cli.Run r = cli.run(ecs("--s3-bucket", "releases", "--s3-key", "app.zip"));

        assertEquals(0, r.exit(), r.toString());
        assertEquals(2, fake.count("CreateDeployment"), "refused once, then created");
        assertEquals(2, deploymentsInMoto().size(), "the other run's and ours");
        assertTrue(r.err().contains("CodeDeploy refused a second deployment on prod (The Deployment Group 'prod' "
                + "already has an active Deployment '" + holder + "'): waiting for the one running"), r.err());
        assertTrue(r.err().contains("is busy with " + holder + " (InProgress"), r.err());
        assertTrue(r.err().contains("is free: " + holder + " ended"), r.err());
    }

    static String batch(CodeDeployFake.Look... looks) {
        StringBuilder b = new StringBuilder("{\"deploymentsInfo\":[");
        for (int i = 0; i < looks.length; i++) {
            String body = looks[i].body();
            b.append(i == 0 ? "" : ",").append(body, "{\"deploymentInfo\":".length(), body.length() - 1);
        }
        return b.append("]}").toString();
    }
}
