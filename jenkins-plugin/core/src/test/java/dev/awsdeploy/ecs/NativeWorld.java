package dev.awsdeploy.ecs;

import dev.awsdeploy.testing.AwsClients;
import java.util.List;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.DeploymentStrategy;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Action;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroupTuple;

/**
 * Given-state for the ECS-native tests, built in moto with the SDK: the two-service world's ALB, listener and
 * HighErrorRate alarm, plus one service {@code myapp} on myapp:1 (v1) under the ECS deployment controller, whose
 * load balancer names the target group myapp-blue and, in its advancedConfiguration, the alternate target group
 * myapp-green, the production listener rule (100 % on myapp-blue) and a role for ECS.
 */
final class NativeWorld implements AutoCloseable {
    static final String ROLE = "arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers";

    final BlueGreenWorld base;
    final EcsClient ecs;
    final ElasticLoadBalancingV2Client elb;
    final CloudWatchClient cw;
    /** Services are created through the simulator, which keeps their deploymentConfiguration as ECS would. */
    final EcsClient viaFront;

    private NativeWorld(BlueGreenWorld base, String frontUrl) {
        this.base = base;
        this.viaFront = AwsClients.ecs(frontUrl, BlueGreenWorld.REGION);
        this.ecs = base.ecs;
        this.elb = base.elb;
        this.cw = base.cw;
    }

    static NativeWorld standard(String motoUrl, String frontUrl) {
        BlueGreenWorld b = new BlueGreenWorld(motoUrl);
        b.network();
        b.loadBalancer();
        b.td1 = b.register(BlueGreenWorld.V1);
        b.ecs.createCluster(c -> c.clusterName("prod"));
        b.alarm("HighErrorRate");
        NativeWorld w = new NativeWorld(b, frontUrl);
        w.service("myapp", List.of());
        return w;
    }

    /** Creates an ECS-controlled service with a complete advancedConfiguration; {@code ecsAlarms}: ECS's own. */
    void service(String name, List<String> ecsAlarms) {
        viaFront.createService(s -> s.cluster("prod").serviceName(name).taskDefinition(base.td1).desiredCount(2)
                .launchType(LaunchType.FARGATE).deploymentController(c -> c.type("ECS"))
                .deploymentConfiguration(d -> {
                    d.strategy(DeploymentStrategy.BLUE_GREEN).bakeTimeInMinutes(10).maximumPercent(200)
                            .deploymentCircuitBreaker(c -> c.enable(true).rollback(true));
                    if (!ecsAlarms.isEmpty()) {
                        d.alarms(a -> a.alarmNames(ecsAlarms).enable(true).rollback(true));
                    }
                })
                .loadBalancers(l -> l.targetGroupArn(base.blueTg).containerName("myapp").containerPort(8080)
                        .advancedConfiguration(a -> a.alternateTargetGroupArn(base.greenTg)
                                .productionListenerRule(base.rule).roleArn(ROLE))));
    }

    String rule() {
        return base.rule;
    }

    /** Production share of myapp-blue and myapp-green, read from moto. */
    TrafficRoute.Weights weights() {
        return base.weights();
    }

    Service service() {
        return ecs.describeServices(b -> b.cluster("prod").services("myapp")).services().get(0);
    }

    String image() {
        return base.image("myapp");
    }

    static Action forward(String tgA, int wA, String tgB, int wB) {
        return Action.builder().type("forward").forwardConfig(f -> f.targetGroups(
                TargetGroupTuple.builder().targetGroupArn(tgA).weight(wA).build(),
                TargetGroupTuple.builder().targetGroupArn(tgB).weight(wB).build())).build();
    }

    @Override
    public void close() {
        viaFront.close();
        base.close();
    }
}
