package dev.awsdeploy.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.awsdeploy.testing.Cli;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.ecs.model.LaunchType;

/** Input ECS would refuse, or a service ECS cannot deploy natively: exit 2, what to set, and nothing changed. */
class NativeBadInputTest extends NativeTestBase {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "--traffic-shift|Linear2PercentEvery1Minute|ECS's stepPercent takes 3 to 100 %",
        "--traffic-shift|Canary10Percent1500Minutes|ECS's canaryBakeTimeInMinutes takes 0 to 1440 minutes",
        "--traffic-shift|Linear10PercentEvery2000Minutes|ECS's stepBakeTimeInMinutes takes 0 to 1440 minutes",
        "--traffic-shift|Canary0Percent5Minutes|ECS's canaryPercent takes 0.1 to 100 %",
        "--traffic-shift|Blue|is not a traffic shift name",
        "--bake-time|1500m|ECS's bakeTimeInMinutes takes 0 to 1440 minutes",
        "--bake-time|90s|is not a whole number of minutes",
        "--listener-rule-arn|arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:listener-rule/app/a/1/2/3|only "
            + "applies to deployment: 'services'",
        "--blue-service|myapp-blue|only applies to deployment: 'services'",
        "--health-check-url|http://myapp-{color}.internal/health|ECS deploys one service",
        "--deployment|codedeploy|is not one of services, ecs",
    })
    void refusedBeforeAnyChange(String flag, String value, String expected) {
        Cli.Run r = flag.equals("--deployment")
                ? cli.run("ecs-blue-green", "--deployment", value, "--cluster", "prod", "--service", "myapp",
                        "--image", BlueGreenWorld.V2)
                : deploy("--image", BlueGreenWorld.V2, flag, value);

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains(expected), r.err());
        assertNothingChanged();
    }

    @Test
    void aServiceWithoutAdvancedConfigurationIsToldWhatToSet() {
        world.viaFront.createService(s -> s.cluster("prod").serviceName("legacy").taskDefinition(world.base.td1)
                .desiredCount(1).launchType(LaunchType.FARGATE)
                .loadBalancers(l -> l.targetGroupArn(world.base.otherTg).containerName("myapp").containerPort(8080)));
        ecsFront.startCounting();
        moto.startCounting();

        Cli.Run r = cli.run("ecs-blue-green", "--deployment", "ecs", "--cluster", "prod", "--service", "legacy",
                "--image", BlueGreenWorld.V2);

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("service 'legacy': has no loadBalancers[0].advancedConfiguration"), r.err());
        assertTrue(r.err().contains("set alternateTargetGroupArn"), r.err());
        assertTrue(r.err().contains("productionListenerRule") && r.err().contains("roleArn"), r.err());
        assertNothingChanged();
    }

    @Test
    void aServiceUnderCodeDeployIsSentToCodeDeployRolling() {
        world.viaFront.createService(s -> s.cluster("prod").serviceName("cd").taskDefinition(world.base.td1)
                .desiredCount(1).deploymentController(c -> c.type("CODE_DEPLOY"))
                .loadBalancers(l -> l.targetGroupArn(world.base.otherTg).containerName("myapp").containerPort(8080)));
        ecsFront.startCounting();
        moto.startCounting();

        Cli.Run r = cli.run("ecs-blue-green", "--deployment", "ecs", "--cluster", "prod", "--service", "cd",
                "--image", BlueGreenWorld.V2);

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("uses the CODE_DEPLOY deployment controller"), r.err());
        assertTrue(r.err().contains("codeDeployRolling"), r.err());
        assertNothingChanged();
    }

    @Test
    void aProductionRuleForwardingElsewhereIsBadInput() {
        world.elb.modifyRule(b -> b.ruleArn(world.rule()).actions(NativeWorld.forward(world.base.otherTg, 100,
                world.base.greenTg, 0)));
        moto.startCounting();

        Cli.Run r = deploy("--image", BlueGreenWorld.V2);

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("not to the service's two target groups"), r.err());
        assertEquals(List.of(), mutating());
        assertEquals(List.of(), moto.mutatingRequests());
    }

    @Test
    void anotherVersionBeingDeployedIsRefusedWithoutASecondDeployment() {
        String td3 = world.base.register(BlueGreenWorld.REPO + ":v3");
        world.viaFront.updateService(b -> b.cluster("prod").service("myapp").taskDefinition(td3));
        ecsFront.startCounting();
        moto.startCounting();

        Cli.Run r = deploy("--image", BlueGreenWorld.V2);

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("has a service deployment in progress that is not this version"), r.err());
        assertEquals(1, ecsFront.deploymentStatuses().size());
        assertNothingChanged();
    }

    private void assertNothingChanged() {
        assertEquals(List.of(), mutating());
        assertEquals(List.of(), moto.mutatingRequests());
        assertEquals(new TrafficRoute.Weights(100, 0), world.weights());
    }
}
