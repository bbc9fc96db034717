package dev.awsdeploy.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.testing.Cli;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Manual promotion and the lease, through the CLI against moto: a canary that stops awaiting promotion (the record
 * on the rule, read back), promoted or aborted by a separate, state-less run that finds it in AWS; what is refused
 * and why; another deployment's lease waited for and named; the final check before success.
 */
class CanaryPromotionTest extends BlueGreenTestBase {
    static final String BUILD = "https://jenkins.example.com/job/myapp/57/";

    private Map<String, String> ruleTags() {
        Map<String, String> t = new LinkedHashMap<>();
        world.elb.describeTags(b -> b.resourceArns(world.rule)).tagDescriptions().get(0).tags()
                .forEach(x -> t.put(x.key(), x.value()));
        return t;
    }

    private Map<String, String> serviceTags(String name) {
        Map<String, String> t = new LinkedHashMap<>();
        world.ecs.listTagsForResource(b -> b.resourceArn(world.service(name).serviceArn())).tags()
                .forEach(x -> t.put(x.key(), x.value()));
        return t;
    }

    private void assertNoLease() {
        assertNull(ruleTags().get(DeploymentLease.TAG), ruleTags().toString());
        assertNull(serviceTags("myapp-blue").get(DeploymentLease.TAG));
        assertNull(serviceTags("myapp-green").get(DeploymentLease.TAG));
    }

    private Cli.Run canary() {
        cli.env("BUILD_URL", BUILD);
        return deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes", "--alarms",
                "HighErrorRate", "--await-promotion");
    }

    @Test
    void aCanaryWithAwaitPromotionEndsWithTheFirstIncrementLiveAndTheRecordOnTheRule() {
        Cli.Run r = canary();

        assertEquals(0, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("awaiting-promotion", j.path("status").asText());
        assertEquals("green", j.path("canaryColor").asText());
        assertEquals(10, j.path("canaryPercent").asInt());
        assertTrue(j.path("summary").asText().contains("watched by nothing but AWS"), j.toString());
        assertEquals(new Weights(90, 10), world.weights());
        assertEquals(BlueGreenWorld.V2, world.image("myapp-green"));
        Map<String, String> tags = ruleTags();
        PromotionRecord rec = PromotionRecord.parse(tags);
        assertEquals("awaiting-promotion", rec.phase());
        assertEquals("green", rec.newColor());
        assertEquals("blue", rec.oldColor());
        assertEquals(10, rec.percent());
        assertEquals("Canary10Percent5Minutes", rec.trafficShift());
        assertEquals(world.service("myapp-green").taskDefinition(), rec.taskDefinitionArn());
        assertEquals(BlueGreenWorld.V2, rec.image());
        assertEquals(BUILD, rec.owner());
        assertEquals(List.of("HighErrorRate"), rec.alarms());
        assertNoLease();
        assertTrue(r.err().contains("Holding 10 % for 5m"), r.err());
        assertTrue(r.err().contains("Awaiting promotion: green serves 10 %"), r.err());
        assertFalse(r.err().contains("Traffic: green 100 %"), r.err());
        assertTrue(r.err().contains("Deployment lease on myapp-blue/myapp-green taken (" + BUILD), r.err());
        assertTrue(r.err().contains("Deployment lease on myapp-blue/myapp-green released"), r.err());
    }

    @Test
    void aSeparateStatelessRunPromotesTheCanaryFoundInAwsThroughTheRestOfTheShiftAndTheBake() {
        assertEquals(0, canary().exit());
        moto.startCounting();

        cli.env("BUILD_URL", "https://jenkins.example.com/job/myapp/58/");
        Cli.Run r = deploy("--action", "promote", "--bake-time", "2m");

        assertEquals(0, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("promoted", j.path("status").asText());
        assertEquals("green", j.path("liveColor").asText());
        assertEquals(BlueGreenWorld.V2, j.path("image").asText());
        assertEquals(new Weights(0, 100), world.weights());
        assertEquals(BlueGreenWorld.V2, world.image("myapp-green"));
        assertEquals(Map.of(), ruleTags(), "record and lease are gone");
        assertNoLease();
        assertEquals(List.of("ModifyRule"), mutating(), "no registration, no service update: only the rest of "
                + "the shift");
        assertTrue(r.err().contains("Found a canary of " + BlueGreenWorld.V2), r.err());
        assertTrue(r.err().contains("Promoting: continuing Canary10Percent5Minutes from 10 % on green"), r.err());
        assertTrue(r.err().contains("Traffic: green 100 %, blue 0 % (read back)"), r.err());
        assertTrue(r.err().contains("Bake: green at 100 % for 2m watching HighErrorRate"), r.err());
        assertTrue(r.err().contains("Final check: myapp-green runs myapp:2 (primary deployment) and the rule sends "
                + "it 100 % (read just now)"), r.err());
    }

    @Test
    void abortPutsAllTrafficBackOnTheOldColourReadBackAndRemovesTheRecord() {
        assertEquals(0, canary().exit());

        Cli.Run r = deploy("--action", "abort");

        assertEquals(0, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("aborted", j.path("status").asText());
        assertEquals(true, j.path("rolledBack").asBoolean());
        assertEquals("blue", j.path("liveColor").asText());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(Map.of(), ruleTags());
        assertNoLease();
        assertTrue(r.err().contains("Rolled back: blue 100 % (read back)"), r.err());
        assertEquals(BlueGreenWorld.V2, world.image("myapp-green"), "the aborted version stays on the standby");
    }

    @Test
    void promoteOrAbortWithNothingAwaitingIsBadInputNamingWhatIsLiveAndChangesNothing() {
        for (String action : List.of("promote", "abort")) {
            Cli.Run r = deploy("--action", action);

            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.all().contains("action '" + action + "': nothing awaits promotion on listenerRuleArn "
                    + world.rule + ": blue (myapp-blue, myapp:1) serves 100 %"), r.all());
        }
        assertEquals(List.of(), allMutating());
    }

    @Test
    void anAlarmThatFiredWhileTheCanaryWaitedRefusesThePromotionAndRollsBack() {
        assertEquals(0, canary().exit());
        moto.setAlarmState(BlueGreenWorld.REGION, "HighErrorRate", "ALARM");

        Cli.Run r = deploy("--action", "promote");

        assertEquals(3, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("rolled-back", j.path("status").asText());
        assertTrue(j.path("reason").asText().startsWith("refused to promote: HighErrorRate is ALARM"), j.toString());
        assertTrue(j.path("reason").asText().contains("while the canary awaited promotion"), j.toString());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(Map.of(), ruleTags());
        assertNoLease();
    }

    @Test
    void aDeployWhileACanaryAwaitsPromotionIsRefusedNamingTheCanary() {
        assertEquals(0, canary().exit());
        moto.startCounting();

        Cli.Run r = deploy("--image", BlueGreenWorld.REPO + ":v3");

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.all().contains("holds a canary of " + BlueGreenWorld.V2), r.all());
        assertTrue(r.all().contains("promote it (action: 'promote') or abort it (action: 'abort') first"), r.all());
        assertEquals(List.of(), allMutating());
        assertEquals(new Weights(90, 10), world.weights());
    }

    @Test
    void anotherDeploymentsLeaseIsWaitedForThenTheRunEndsExitFourNamingItWithNothingChanged() {
        String other = new DeploymentLease.Holder("someone-else", "https://jenkins.example.com/job/other/9/",
                clock.now().minusSeconds(20), clock.now().plus(Duration.ofHours(1))).tagValue();
        world.elb.addTags(b -> b.resourceArns(world.rule).tags(t -> t.key(DeploymentLease.TAG).value(other)));
        moto.startCounting();

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--lock-timeout", "2m");

        assertEquals(4, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("locked", j.path("status").asText());
        assertEquals("https://jenkins.example.com/job/other/9/", j.path("leaseOwner").asText());
        assertTrue(r.err().contains("Waiting for the deployment lease on myapp-blue/myapp-green: held by "
                + "https://jenkins.example.com/job/other/9/ since 2026-11-25T11:59:40Z; waiting up to 2m "
                + "(lockTimeout)"), r.err());
        assertEquals(List.of(), allMutating());
        assertEquals(new Weights(100, 0), world.weights());
        assertEquals(BlueGreenWorld.V1, world.image("myapp-green"));
    }

    @Test
    void anAbortWhileWaitingForTheLeaseEndsTheRunWithNothingChanged() {
        String other = new DeploymentLease.Holder("someone-else", "https://jenkins.example.com/job/other/9/",
                clock.now(), clock.now().plus(Duration.ofHours(1))).tagValue();
        world.elb.addTags(b -> b.resourceArns(world.rule).tags(t -> t.key(DeploymentLease.TAG).value(other)));
        dev.awsdeploy.run.AbortSignal abort = new dev.awsdeploy.run.AbortSignal();
        clock.at(Duration.ofSeconds(30), () -> abort.abort("SIGTERM"));
        cli.abort(abort);
        moto.startCounting();

        Cli.Run r = deploy("--image", BlueGreenWorld.V2);

        assertEquals(3, r.exit(), r.toString());
        assertTrue(json(r).path("reason").asText().startsWith("aborted (SIGTERM) while waiting for the deployment "
                + "lease on myapp-blue/myapp-green; nothing was changed"), r.toString());
        assertEquals(List.of(), allMutating());
        assertEquals(other, ruleTags().get(DeploymentLease.TAG), "the other run's lease is left alone");
    }

    @Test
    void replaysAndDryRunsTakeNoLease() {
        assertEquals(0, deploy("--image", BlueGreenWorld.V1).exit());
        assertEquals(0, deploy("--image", BlueGreenWorld.V2, "--dry-run").exit());

        assertEquals(List.of(), allMutating());
    }

    @Test
    void whenTheNewColourWasChangedUnderTheDeployTheFinalCheckRefusesSuccessAndRollsBack() {
        String v3 = world.register(BlueGreenWorld.REPO + ":v3");
        // Someone updates green behind the lease's back during the bake.
        clock.at(Duration.ofSeconds(30), () -> world.ecs.updateService(b -> b.cluster("prod")
                .service("myapp-green").taskDefinition(v3)));

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--bake-time", "1m");

        assertEquals(3, r.exit(), r.toString());
        JsonNode j = json(r);
        assertEquals("rolled-back", j.path("status").asText());
        assertTrue(j.path("reason").asText().contains("final check: myapp-green is set to "
                + TaskDefinitionSource.shortName(v3) + ", not myapp:3 (another deployment changed it)"), j.toString());
        assertEquals(new Weights(100, 0), world.weights());
        assertFalse(r.err().contains("Done: green"), r.err());
        assertNoLease();
    }

    @Test
    void noSecretOfTheBuildUrlReachesTheLeaseTheRecordOrTheOutput() {
        cli.env("BUILD_URL", "https://deployer:s3cretT0kenValue@jenkins.example.com/job/myapp/57/");

        Cli.Run r = deploy("--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes",
                "--await-promotion");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(BUILD, PromotionRecord.parse(ruleTags()).owner());
        assertFalse(ruleTags().toString().contains("s3cretT0ken"), ruleTags().toString());
        assertFalse(r.all().contains("s3cretT0ken"), r.all());
        assertFalse(r.all().contains("testing-secret"), r.all());
        assertTrue(Instant.now().isAfter(Instant.EPOCH));
    }
}
