package dev.awsdeploy.ecs;

import dev.awsdeploy.run.BadInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Action;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ActionTypeEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ElasticLoadBalancingV2Exception;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroupTuple;

/**
 * The production listener rule ECS moves traffic on in a native blue/green, canary or linear deployment (the
 * service's {@code loadBalancers[].advancedConfiguration.productionListenerRule}). We only read it: ECS writes it,
 * and we check after every stage that it shows what ECS says it asked for. An NLB's listener ARN is read the same
 * way (its default action).
 */
final class ProductionRule {

    /** The share of production traffic of each of the two target groups, in percent. */
    record Split(Map<String, Double> percent) {
        double of(String targetGroup) {
            return percent.getOrDefault(targetGroup, 0.0);
        }

        /** The target group with all the traffic, or null while split. */
        String whole() {
            return percent.entrySet().stream().filter(e -> e.getValue() >= 99.95).map(Map.Entry::getKey).findFirst()
                    .orElse(null);
        }
    }

    private final ElasticLoadBalancingV2Client elb;
    private final String arn;
    private final List<String> groups;

    ProductionRule(ElasticLoadBalancingV2Client elb, String arn, String primary, String alternate) {
        this.elb = elb;
        this.arn = arn;
        this.groups = List.of(primary, alternate);
    }

    String arn() {
        return arn;
    }

    Split read() {
        List<Action> actions;
        try {
            if (arn.contains(":listener-rule/")) {
                var rules = elb.describeRules(b -> b.ruleArns(arn)).rules();
                actions = rules.isEmpty() ? null : rules.get(0).actions();
            } else {
                var listeners = elb.describeListeners(b -> b.listenerArns(arn)).listeners();
                actions = listeners.isEmpty() ? null : listeners.get(0).defaultActions();
            }
        } catch (ElasticLoadBalancingV2Exception e) {
            if (e.statusCode() != 400) {
                throw e;
            }
            actions = null;
        }
        if (actions == null) {
            throw bad("no such listener rule in this account and region", "point productionListenerRule at the "
                    + "listener rule that forwards to the service (`aws elbv2 describe-rules`)");
        }
        Action forward = actions.stream().filter(a -> a.type() == ActionTypeEnum.FORWARD).findFirst().orElse(null);
        Map<String, Integer> weights = new LinkedHashMap<>();
        if (forward != null && forward.forwardConfig() != null && forward.forwardConfig().hasTargetGroups()) {
            for (TargetGroupTuple t : forward.forwardConfig().targetGroups()) {
                weights.merge(t.targetGroupArn(), t.weight() == null ? 1 : t.weight(), Integer::sum);
            }
        } else if (forward != null && forward.targetGroupArn() != null) {
            weights.put(forward.targetGroupArn(), 1);
        }
        if (forward == null || !groups.containsAll(weights.keySet()) || weights.isEmpty()) {
            throw bad("forwards to " + (forward == null ? "no target group" : weights.keySet()) + ", not to the "
                    + "service's two target groups", "make its forward action weigh the service's target group "
                    + groups.get(0) + " and the alternateTargetGroupArn " + groups.get(1));
        }
        int total = weights.values().stream().mapToInt(Integer::intValue).sum();
        Map<String, Double> percent = new LinkedHashMap<>();
        for (String g : groups) {
            percent.put(g, total == 0 ? 0.0 : Math.round(weights.getOrDefault(g, 0) * 1000.0 / total) / 10.0);
        }
        return new Split(percent);
    }

    private BadInputException bad(String what, String fix) {
        return new BadInputException("service", arn, "the production listener rule " + what, fix);
    }

    static String name(String targetGroupArn) {
        return targetGroupArn == null ? null : targetGroupArn.replaceAll(".*:targetgroup/([^/]+)/.*", "$1");
    }
}
