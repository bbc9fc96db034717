package dev.awsdeploy.ecs;

import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.testing.AwsClients;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Action;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ActionTypeEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ForwardActionConfig;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroupTuple;

/**
 * Given-state for the blue/green tests, built in moto with the SDK: an ALB with a listener and a rule forwarding
 * 100/0 to the blue and green target groups, cluster prod, services myapp-blue and myapp-green (2 tasks each,
 * both on myapp:1 with image v1), and the HighErrorRate alarm.
 */
public final class BlueGreenWorld implements AutoCloseable {
    public static final String REGION = "ap-northeast-2";
    public static final String REPO = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/myapp";
    public static final String V1 = REPO + ":v1";
    public static final String V2 = REPO + ":v2";

    final String endpoint;
    final EcsClient ecs;
    final ElasticLoadBalancingV2Client elb;
    final CloudWatchClient cw;
    String vpc;
    List<String> subnets = new ArrayList<>();
    String lb;
    String blueTg;
    String greenTg;
    String otherTg;
    String listener;
    public String rule;
    String td1;

    BlueGreenWorld(String motoUrl) {
        this.endpoint = motoUrl;
        ecs = AwsClients.ecs(motoUrl, REGION);
        elb = AwsClients.elasticLoadBalancingV2(motoUrl, REGION);
        cw = AwsClients.cloudWatch(motoUrl, REGION);
    }

    /** The standard world: blue live at 100 %, green standby, both on myapp:1 (v1). */
    public static BlueGreenWorld standard(String motoUrl) {
        BlueGreenWorld w = new BlueGreenWorld(motoUrl);
        w.network();
        w.loadBalancer();
        w.td1 = w.register(V1);
        w.ecs.createCluster(b -> b.clusterName("prod"));
        w.service("myapp-blue", w.blueTg, w.td1, 2);
        w.service("myapp-green", w.greenTg, w.td1, 2);
        w.alarm("HighErrorRate");
        return w;
    }

    void network() {
        String xml = query("ec2", "Action=DescribeSubnets&Version=2016-11-15");
        Matcher m = Pattern.compile("<subnetId>([^<]+)</subnetId>").matcher(xml);
        while (m.find() && subnets.size() < 2) {
            subnets.add(m.group(1));
        }
        Matcher v = Pattern.compile("<vpcId>([^<]+)</vpcId>").matcher(xml);
        v.find();
        vpc = v.group(1);
    }

    void loadBalancer() {
        lb = elb.createLoadBalancer(b -> b.name("myapp-alb").subnets(subnets)).loadBalancers().get(0)
                .loadBalancerArn();
        blueTg = targetGroup("myapp-blue");
        greenTg = targetGroup("myapp-green");
        otherTg = targetGroup("legacy");
        listener = elb.createListener(b -> b.loadBalancerArn(lb).protocol("HTTP").port(80)
                .defaultActions(forward(blueTg, 100, greenTg, 0))).listeners().get(0).listenerArn();
        rule = elb.createRule(b -> b.listenerArn(listener).priority(10)
                .conditions(c -> c.field("path-pattern").values("/*"))
                .actions(forward(blueTg, 100, greenTg, 0))).rules().get(0).ruleArn();
    }

    String targetGroup(String name) {
        return elb.createTargetGroup(b -> b.name(name).protocol("HTTP").port(8080).vpcId(vpc).targetType("ip"))
                .targetGroups().get(0).targetGroupArn();
    }

    static Action forward(String tgA, int wA, String tgB, int wB) {
        return Action.builder().type(ActionTypeEnum.FORWARD).forwardConfig(ForwardActionConfig.builder()
                .targetGroups(TargetGroupTuple.builder().targetGroupArn(tgA).weight(wA).build(),
                        TargetGroupTuple.builder().targetGroupArn(tgB).weight(wB).build()).build()).build();
    }

    String register(String image) {
        return ecs.registerTaskDefinition(b -> b.family("myapp").networkMode("awsvpc")
                .requiresCompatibilitiesWithStrings("FARGATE").cpu("512").memory("1024")
                .executionRoleArn("arn:aws:iam::123456789012:role/ecsTaskExecutionRole")
                .containerDefinitions(ContainerDefinition.builder().name("myapp").image(image).essential(true)
                        .environment(KeyValuePair.builder().name("SPRING_PROFILES_ACTIVE").value("production")
                                .build()).build(),
                        ContainerDefinition.builder().name("log-router").image("amazon/aws-for-fluent-bit:2")
                                .essential(false).build()))
                .taskDefinition().taskDefinitionArn();
    }

    /**
     * A {@code register-task-definition --cli-input-json} file with what {@link #register} registers — the same
     * settings as myapp:1 — but {@code image} and the SPRING_PROFILES_ACTIVE variable set to {@code profile}.
     */
    static java.nio.file.Path taskDefinitionFile(java.nio.file.Path dir, String image, String profile) {
        String json = """
                {
                  "family": "myapp",
                  "networkMode": "awsvpc",
                  "requiresCompatibilities": ["FARGATE"],
                  "cpu": "512",
                  "memory": "1024",
                  "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
                  "containerDefinitions": [
                    {"name": "myapp", "image": "%s", "essential": true,
                     "environment": [{"name": "SPRING_PROFILES_ACTIVE", "value": "%s"}]},
                    {"name": "log-router", "image": "amazon/aws-for-fluent-bit:2", "essential": false}
                  ]
                }
                """.formatted(image, profile);
        try {
            java.nio.file.Path file = dir.resolve("taskdef-" + image.replaceAll("\\W", "-") + "-" + profile + ".json");
            java.nio.file.Files.writeString(file, json);
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The value of SPRING_PROFILES_ACTIVE in the task definition a service runs, read from moto. */
    String profile(String serviceName) {
        return taskDefinition(service(serviceName).taskDefinition()).containerDefinitions().get(0).environment()
                .get(0).value();
    }

    void service(String name, String tg, String td, int count) {
        ecs.createService(b -> b.cluster("prod").serviceName(name).taskDefinition(td).desiredCount(count)
                .launchType(LaunchType.FARGATE)
                .loadBalancers(l -> l.targetGroupArn(tg).containerName("myapp").containerPort(8080)));
    }

    void alarm(String name) {
        alarm(name, 60);
    }

    void alarm(String name, int period) {
        cw.putMetricAlarm(b -> b.alarmName(name).namespace("AWS/ApplicationELB").metricName("ErrorRate")
                .statistic(Statistic.AVERAGE).period(period).evaluationPeriods(1).threshold(5.0)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD));
        cw.setAlarmState(b -> b.alarmName(name).stateValue("OK").stateReason("test start"));
    }

    void setRule(int blue, int green) {
        elb.modifyRule(b -> b.ruleArn(rule).actions(forward(blueTg, blue, greenTg, green)));
    }

    public Weights weights() {
        Action a = elb.describeRules(b -> b.ruleArns(rule)).rules().get(0).actions().get(0);
        return weightsOf(a);
    }

    Weights listenerWeights() {
        Action a = elb.describeListeners(b -> b.listenerArns(listener)).listeners().get(0).defaultActions().get(0);
        return weightsOf(a);
    }

    private Weights weightsOf(Action a) {
        int blue = 0;
        int green = 0;
        for (TargetGroupTuple t : a.forwardConfig().targetGroups()) {
            if (t.targetGroupArn().equals(blueTg)) {
                blue = t.weight();
            } else if (t.targetGroupArn().equals(greenTg)) {
                green = t.weight();
            }
        }
        return new Weights(blue, green);
    }

    Service service(String name) {
        return ecs.describeServices(b -> b.cluster("prod").services(name)).services().get(0);
    }

    TaskDefinition taskDefinition(String arn) {
        return ecs.describeTaskDefinition(b -> b.taskDefinition(arn)).taskDefinition();
    }

    public String image(String serviceName) {
        return taskDefinition(service(serviceName).taskDefinition()).containerDefinitions().get(0).image();
    }

    public int revisions() {
        return ecs.listTaskDefinitions(b -> b.familyPrefix("myapp")).taskDefinitionArns().size();
    }

    private String query(String service, String form) {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(endpoint + "/"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/" + REGION + "/" + service
                            + "/aws4_request, SignedHeaders=host, Signature=0")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build();
            return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> none() {
        return Map.of();
    }

    @Override
    public void close() {
        ecs.close();
        elb.close();
        cw.close();
    }
}
