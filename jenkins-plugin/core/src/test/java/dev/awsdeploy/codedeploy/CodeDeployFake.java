package dev.awsdeploy.codedeploy;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.AnswerRewrites;
import dev.awsdeploy.testing.AwsClients;
import dev.awsdeploy.testing.AwsFront;
import dev.awsdeploy.testing.MotoServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What moto's CodeDeploy lacks, answered by WireMock in CodeDeploy's real wire format (JSON 1.1, timestamps in
 * epoch seconds) so the production SDK client parses it: deployment lifecycles as stateful scenarios (each
 * GetDeployment moves one state on; the last state stays), deployment configs, targets with lifecycle events,
 * StopDeployment and ContinueDeployment. Everything else goes on to moto.
 */
public final class CodeDeployFake {
    private static final String CREATED = "1795521600.123";
    private final WireMockServer wm;

    public CodeDeployFake(AwsFront front) {
        this.wm = front.wiremock();
    }

    /** One look at a deployment, as GetDeployment answers it; the id is echoed from the request. */
    public static final class Look {
        final ObjectNode info = Json.MAPPER.createObjectNode();

        Look(String status) {
            info.put("applicationName", "myapp");
            info.put("deploymentGroupName", "prod");
            info.put("deploymentConfigName", "CodeDeployDefault.OneAtATime");
            info.put("deploymentId", "{{jsonPath request.body '$.deploymentId'}}");
            info.put("status", status);
            info.put("createTime", Double.parseDouble(CREATED));
            info.put("creator", "user");
            info.put("computePlatform", "Server");
            counts(0, 0, 0, 0, 0);
        }

        public Look counts(int pending, int inProgress, int succeeded, int failed, int skipped) {
            ObjectNode o = info.putObject("deploymentOverview");
            o.put("Pending", pending).put("InProgress", inProgress).put("Succeeded", succeeded).put("Failed", failed)
                    .put("Skipped", skipped).put("Ready", 0);
            return this;
        }

        public Look id(String id) {
            info.put("deploymentId", id);
            return this;
        }

        public Look platform(String p) {
            info.put("computePlatform", p);
            return this;
        }

        public Look error(String code, String message) {
            info.putObject("errorInformation").put("code", code).put("message", message);
            info.put("completeTime", Double.parseDouble(CREATED) + 300);
            return this;
        }

        public Look rollback(String rollbackId, String message) {
            info.putObject("rollbackInfo").put("rollbackDeploymentId", rollbackId).put("rollbackMessage", message);
            return this;
        }

        public Look creator(String creator, String description) {
            info.put("creator", creator);
            info.put("description", description);
            return this;
        }

        public Look revision(JsonNode revision) {
            info.set("revision", revision);
            return this;
        }

        public String body() {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.set("deploymentInfo", info);
            return Json.write(root);
        }
    }

    /**
     * Answers {@code op} with moto's own answer at the time of the call, its ISO-8601 timestamps written as the epoch
     * seconds CodeDeploy's wire format has (the SDK cannot read moto's).
     */
    public void fromMoto(MotoServer moto, String op) {
        wm.stubFor(AwsFront.operation(op).atPriority(7).willReturn(com.github.tomakehurst.wiremock.client.WireMock
                .aResponse().proxiedFrom(moto.url()).withTransformers(AnswerRewrites.EpochTimestamps.NAME)));
    }

    /**
     * Given: in moto (eu-west-1), application myapp of the platform with deployment group prod, and bucket releases
     * holding app.zip; GetApplication answered from moto through WireMock.
     */
    public void givenApplication(MotoServer moto, String platform) {
        givenApplication(moto, platform, "app.zip", null);
    }

    /**
     * Given: in moto (eu-west-1), application myapp of the platform with deployment group prod (its deployment config
     * {@code groupConfig}, or CodeDeploy's default when null), bucket releases holding {@code key}, and for ECS task
     * definition web:1; GetApplication answered from moto through WireMock. Returns web:1's ARN for ECS, else null.
     */
    public String givenApplication(MotoServer moto, String platform, String key, String groupConfig) {
        try (var cd = AwsClients.codeDeploy(moto.url(), "eu-west-1"); var s3 = AwsClients.s3(moto.url(), "eu-west-1")) {
            cd.createApplication(b -> b.applicationName("myapp").computePlatform(platform));
            cd.createDeploymentGroup(b -> b.applicationName("myapp").deploymentGroupName("prod")
                    .serviceRoleArn("arn:aws:iam::123456789012:role/codedeploy").deploymentConfigName(groupConfig));
            s3.createBucket(b -> b.bucket("releases").createBucketConfiguration(c -> c.locationConstraint(
                    "eu-west-1")));
            s3.putObject(b -> b.bucket("releases").key(key),
                    software.amazon.awssdk.core.sync.RequestBody.fromString("zip bytes"));
        }
        String taskDefinition = "ECS".equals(platform) ? registerTaskDefinition(moto) : null;
        fromMoto(moto, "GetApplication");
        return taskDefinition;
    }

    /** Registers task definition web:1 (container web, port 8080) in moto; returns its ARN. */
    public static String registerTaskDefinition(MotoServer moto) {
        try (var ecs = AwsClients.ecs(moto.url(), "eu-west-1")) {
            return ecs.registerTaskDefinition(b -> b.family("web").containerDefinitions(c -> c.name("web")
                    .image("123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1").memory(512)
                    .portMappings(pm -> pm.containerPort(8080)))).taskDefinition().taskDefinitionArn();
        }
    }

    public WireMockServer wiremock() {
        return wm;
    }

    public static Look look(String status) {
        return new Look(status);
    }

    /** GetDeployment of any deployment walks through these looks, one per call; the last one stays. */
    public void lifecycle(Look... looks) {
        lifecycle("lifecycle", null, looks);
    }

    /** The same, only for the deployment whose id is {@code id} (e.g. a rollback deployment). */
    public void lifecycleOf(String id, Look... looks) {
        lifecycle("lifecycle-" + id, id, looks);
    }

    private void lifecycle(String scenario, String id, Look... looks) {
        for (int i = 0; i < looks.length; i++) {
            var m = AwsFront.operation("GetDeployment").inScenario(scenario)
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "look-" + i)
                    .atPriority(id == null ? 5 : 2);
            if (id != null) {
                m = m.withRequestBody(matchingJsonPath("$.deploymentId", com.github.tomakehurst.wiremock.client
                        .WireMock.equalTo(id)));
            }
            if (i < looks.length - 1) {
                m = m.willSetStateTo("look-" + (i + 1));
            }
            wm.stubFor(m.willReturn(AwsFront.json(looks[i].body()).withTransformers("response-template")));
        }
    }

    /** GetDeploymentConfig answers "does not exist" until CreateDeploymentConfig has made it. */
    public void configCreatedOnDemand(String name, String configJson) {
        wm.stubFor(AwsFront.operation("GetDeploymentConfig").inScenario("config-" + name)
                .whenScenarioStateIs(Scenario.STARTED).atPriority(5)
                .willReturn(AwsFront.jsonError(400, "DeploymentConfigDoesNotExistException",
                        "No deployment configuration found for name: " + name)));
        wm.stubFor(AwsFront.operation("CreateDeploymentConfig").inScenario("config-" + name)
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("created").atPriority(5)
                .willReturn(AwsFront.json("{\"deploymentConfigId\":\"c0ffee00-0000-4000-8000-000000000001\"}")));
        wm.stubFor(AwsFront.operation("GetDeploymentConfig").inScenario("config-" + name)
                .whenScenarioStateIs("created").atPriority(5)
                .willReturn(AwsFront.json("{\"deploymentConfigInfo\":" + configJson + "}")));
    }

    public void configExists(String configJson) {
        wm.stubFor(AwsFront.operation("GetDeploymentConfig").atPriority(5)
                .willReturn(AwsFront.json("{\"deploymentConfigInfo\":" + configJson + "}")));
    }

    public void noSuchConfig() {
        wm.stubFor(AwsFront.operation("GetDeploymentConfig").atPriority(6)
                .willReturn(AwsFront.jsonError(400, "DeploymentConfigDoesNotExistException",
                        "No deployment configuration found for name")));
    }

    /** One failed instance with a failed lifecycle event, as ListDeploymentTargets / BatchGetDeploymentTargets. */
    public void failedInstance(String instanceId, String event, String errorCode, String message, String logTail) {
        wm.stubFor(AwsFront.operation("ListDeploymentTargets").atPriority(5)
                .willReturn(AwsFront.json("{\"targetIds\":[\"" + instanceId + "\"]}")));
        ObjectNode target = Json.MAPPER.createObjectNode();
        target.put("deploymentTargetType", "InstanceTarget");
        ObjectNode it = target.putObject("instanceTarget");
        it.put("deploymentId", "d-ANY").put("targetId", instanceId)
                .put("targetArn", "arn:aws:ec2:eu-west-1:123456789012:instance/" + instanceId)
                .put("status", "Failed").put("lastUpdatedAt", 1795521900.0);
        var events = it.putArray("lifecycleEvents");
        events.addObject().put("lifecycleEventName", "BeforeInstall").put("status", "Succeeded")
                .put("startTime", 1795521700.0).put("endTime", 1795521710.0);
        ObjectNode failed = events.addObject().put("lifecycleEventName", event).put("status", "Failed")
                .put("startTime", 1795521710.0).put("endTime", 1795521760.0);
        failed.putObject("diagnostics").put("errorCode", errorCode).put("scriptName", "scripts/start_server.sh")
                .put("message", message).put("logTail", logTail);
        events.addObject().put("lifecycleEventName", "ValidateService").put("status", "Skipped");
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.putArray("deploymentTargets").add(target);
        wm.stubFor(AwsFront.operation("BatchGetDeploymentTargets").atPriority(5)
                .willReturn(AwsFront.json(Json.write(root))));
    }

    /** ListDeploymentTargets finds no (failed) targets. */
    public void noTargets() {
        wm.stubFor(AwsFront.operation("ListDeploymentTargets").atPriority(4)
                .willReturn(AwsFront.json("{\"targetIds\":[]}")));
    }

    /** The stopped deployment as CodeDeploy shows it once a stop took effect, with the rollback it started (or null). */
    public static Look stopped(String rollbackId) {
        Look l = look("Stopped").counts(0, 0, 1, 0, 2).error("DEPLOYMENT_STOPPED", "The deployment was stopped");
        return rollbackId == null ? l : l.rollback(rollbackId, "Rollback in progress");
    }

    public void stopAnswers(String status, String message) {
        wm.stubFor(AwsFront.operation("StopDeployment").atPriority(5).willReturn(AwsFront.json(
                "{\"status\":\"" + status + "\",\"statusMessage\":\"" + message + "\"}")));
    }

    /**
     * StopDeployment answers Pending, and from then on GetDeployment (of any deployment without its own
     * {@link #lifecycleOf}) walks these looks: what CodeDeploy shows once a stop took effect.
     */
    public void stopLeadsTo(Look... looks) {
        wm.stubFor(AwsFront.operation("StopDeployment").inScenario("stop").whenScenarioStateIs(Scenario.STARTED)
                .willSetStateTo("stopped-0").atPriority(5).willReturn(AwsFront.json("{\"status\":\"Pending\","
                        + "\"statusMessage\":\"Stopping pending. Stopping to be in progress.\"}")));
        for (int i = 0; i < looks.length; i++) {
            var m = AwsFront.operation("GetDeployment").inScenario("stop").whenScenarioStateIs("stopped-" + i)
                    .atPriority(3);
            if (i < looks.length - 1) {
                m = m.willSetStateTo("stopped-" + (i + 1));
            }
            wm.stubFor(m.willReturn(AwsFront.json(looks[i].body()).withTransformers("response-template")));
        }
    }

    /** CreateDeploymentConfig makes the config but its answer is lost (HTTP 500); GetDeploymentConfig then has it. */
    public void configCreatedButAnswerLost(String name, String configJson) {
        configCreatedOnDemand(name, configJson);
        wm.stubFor(AwsFront.operation("CreateDeploymentConfig").inScenario("config-" + name)
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("created").atPriority(4)
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(500)
                        .withHeader("Content-Type", "text/plain").withBody("internal error")));
    }

    /** The group's deployment as GetDeploymentGroup answers it, with a blue/green wait at Ready of that many minutes. */
    public void blueGreenGroup(String platform, int readyWaitMinutes) {
        wm.stubFor(AwsFront.operation("GetDeploymentGroup").atPriority(5).willReturn(AwsFront.json(
                "{\"deploymentGroupInfo\":{\"applicationName\":\"myapp\",\"deploymentGroupName\":\"prod\","
                        + "\"deploymentConfigName\":\"CodeDeployDefault.ECSAllAtOnce\",\"computePlatform\":\""
                        + platform + "\",\"deploymentStyle\":{\"deploymentType\":\"BLUE_GREEN\","
                        + "\"deploymentOption\":\"WITH_TRAFFIC_CONTROL\"},\"blueGreenDeploymentConfiguration\":"
                        + "{\"deploymentReadyOption\":{\"actionOnTimeout\":\"STOP_DEPLOYMENT\","
                        + "\"waitTimeInMinutes\":" + readyWaitMinutes + "}}}}")));
    }

    public void continueAnswers() {
        wm.stubFor(AwsFront.operation("ContinueDeployment").atPriority(5).willReturn(AwsFront.json("{}")));
    }

    /** BatchGetDeployments answers these deployments (moto's own answer has timestamps the SDK cannot read). */
    public void batchGet(Look... looks) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        var arr = root.putArray("deploymentsInfo");
        for (Look l : looks) {
            arr.add(l.info);
        }
        wm.stubFor(AwsFront.operation("BatchGetDeployments").atPriority(5).willReturn(AwsFront.json(Json.write(root))));
    }

    /** Requests of one operation that reached WireMock (stubbed or proxied), as JSON bodies. */
    public List<JsonNode> requests(String operation) {
        List<JsonNode> out = new ArrayList<>();
        for (LoggedRequest r : wm.findAll(com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.anyUrl()).withHeader("X-Amz-Target",
                containing("." + operation)))) {
            String target = r.getHeader("X-Amz-Target");
            if (!target.endsWith("." + operation)) {
                continue;
            }
            try {
                out.add(Json.MAPPER.readTree(r.getBodyAsString()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    public int count(String operation) {
        return requests(operation).size();
    }
}
