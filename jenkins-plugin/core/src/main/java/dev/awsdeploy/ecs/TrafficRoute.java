package dev.awsdeploy.ecs;

import dev.awsdeploy.run.BadInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Action;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ActionTypeEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ElasticLoadBalancingV2Exception;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ForwardActionConfig;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroupTuple;

/**
 * The ALB listener rule (or a listener's default action) that splits traffic between the blue and the green
 * target group: reads which colour is live, writes weighted forwarding and reads it back. Only the forward action
 * is replaced; other actions of the rule (authentication, for example) are kept as they are.
 */
public final class TrafficRoute {

    /** The share of traffic each colour gets, in percent (they add up to 100). */
    public record Weights(int blue, int green) {
        public static Weights allOn(String color) {
            return "blue".equals(color) ? new Weights(100, 0) : new Weights(0, 100);
        }

        public static Weights split(String newColor, int newPercent) {
            return "blue".equals(newColor) ? new Weights(newPercent, 100 - newPercent)
                    : new Weights(100 - newPercent, newPercent);
        }

        public int of(String color) {
            return "blue".equals(color) ? blue : green;
        }

        /** The colour with all traffic, or null when traffic is split. */
        public String live() {
            return blue == 100 ? "blue" : green == 100 ? "green" : null;
        }

        @Override
        public String toString() {
            return "blue " + blue + " %, green " + green + " %";
        }
    }

    private final ElasticLoadBalancingV2Client elb;
    private final String param;
    private final String arn;
    private final boolean rule;
    private final Map<String, String> groups;

    /**
     * @param groups target group ARN of each colour ("blue" and "green"), from the services' load balancers
     */
    public TrafficRoute(ElasticLoadBalancingV2Client elb, String param, String arn, boolean rule,
                        Map<String, String> groups) {
        this.elb = elb;
        this.param = param;
        this.arn = arn;
        this.rule = rule;
        this.groups = Map.copyOf(groups);
    }

    /** The actions as AWS holds them now. A missing rule or listener is bad input. */
    private List<Action> actions() {
        try {
            if (rule) {
                var rules = elb.describeRules(b -> b.ruleArns(arn)).rules();
                if (rules.isEmpty()) {
                    throw missing();
                }
                return rules.get(0).actions();
            }
            var listeners = elb.describeListeners(b -> b.listenerArns(arn)).listeners();
            if (listeners.isEmpty()) {
                throw missing();
            }
            return listeners.get(0).defaultActions();
        } catch (ElasticLoadBalancingV2Exception e) {
            if (e.statusCode() == 400 && e.awsErrorDetails() != null
                    && e.awsErrorDetails().errorCode().contains("NotFound")) {
                throw missing();
            }
            throw e;
        }
    }

    private BadInputException missing() {
        return new BadInputException(param, arn, rule ? "no such listener rule in this account and region"
                : "no such listener in this account and region", "copy the ARN from `aws elbv2 "
                + (rule ? "describe-rules" : "describe-listeners") + "` in this region");
    }

    /** Reads the weights; a forward that does not point at exactly the two colours' groups is bad input. */
    public Weights read() {
        return weightsOf(forward(actions()));
    }

    private Action forward(List<Action> actions) {
        List<Action> forwards = actions.stream().filter(a -> a.type() == ActionTypeEnum.FORWARD).toList();
        if (forwards.size() != 1) {
            String types = actions.stream().map(Action::typeAsString).toList().toString();
            throw new BadInputException(param, arn, "does not forward to target groups (its actions: " + types + ")",
                    "make its action forward to the target groups of " + describeGroups());
        }
        return forwards.get(0);
    }

    private Weights weightsOf(Action forward) {
        Map<String, Integer> weights = new LinkedHashMap<>();
        if (forward.forwardConfig() != null && !forward.forwardConfig().targetGroups().isEmpty()) {
            for (TargetGroupTuple t : forward.forwardConfig().targetGroups()) {
                weights.merge(t.targetGroupArn(), t.weight() == null ? 1 : t.weight(), Integer::sum);
            }
        } else if (forward.targetGroupArn() != null) {
            weights.put(forward.targetGroupArn(), 1);
        }
        List<String> foreign = new ArrayList<>();
        for (String tg : weights.keySet()) {
            if (!groups.containsValue(tg)) {
                foreign.add(tg);
            }
        }
        if (!foreign.isEmpty() || weights.isEmpty()) {
            throw new BadInputException(param, arn, "forwards to " + (weights.isEmpty() ? "no target group"
                    : String.join(", ", foreign)) + ", which is not the target group of either service",
                    "point its forward action at the target groups of " + describeGroups());
        }
        int blue = weights.getOrDefault(groups.get("blue"), 0);
        int green = weights.getOrDefault(groups.get("green"), 0);
        if (blue + green == 0) {
            throw new BadInputException(param, arn, "forwards with weight 0 to both target groups",
                    "give the live colour's target group weight 100");
        }
        int bluePercent = (int) Math.round(blue * 100.0 / (blue + green));
        return new Weights(bluePercent, 100 - bluePercent);
    }

    private String describeGroups() {
        return "blue (" + groups.get("blue") + ") and green (" + groups.get("green") + ")";
    }

    /** Writes the weights (ModifyRule or ModifyListener) and returns what AWS shows when read back. */
    public Weights write(Weights w) {
        List<Action> current = actions();
        Action old = forward(current);
        ForwardActionConfig.Builder config = ForwardActionConfig.builder().targetGroups(
                TargetGroupTuple.builder().targetGroupArn(groups.get("blue")).weight(w.blue()).build(),
                TargetGroupTuple.builder().targetGroupArn(groups.get("green")).weight(w.green()).build());
        if (old.forwardConfig() != null && old.forwardConfig().targetGroupStickinessConfig() != null) {
            config.targetGroupStickinessConfig(old.forwardConfig().targetGroupStickinessConfig());
        }
        Action replaced = Action.builder().type(ActionTypeEnum.FORWARD).order(old.order())
                .forwardConfig(config.build()).build();
        List<Action> next = new ArrayList<>();
        for (Action a : current) {
            next.add(a == old ? replaced : a);
        }
        if (rule) {
            elb.modifyRule(b -> b.ruleArn(arn).actions(next));
        } else {
            elb.modifyListener(b -> b.listenerArn(arn).defaultActions(next));
        }
        return read();
    }

    /**
     * The AWS CLI command that writes {@code w}, for a person to run when the step itself could not (only the
     * forward action: a rule with other actions, such as authentication, must keep them).
     */
    public String command(Weights w) {
        String region = arn.split(":").length > 3 ? arn.split(":")[3] : null;
        String forward = "Type=forward,ForwardConfig={TargetGroups=[{TargetGroupArn=" + groups.get("blue")
                + ",Weight=" + w.blue() + "},{TargetGroupArn=" + groups.get("green") + ",Weight=" + w.green() + "}]}";
        return "aws elbv2 " + (rule ? "modify-rule --rule-arn " : "modify-listener --listener-arn ") + arn
                + (rule ? " --actions '" : " --default-actions '") + forward + "'"
                + (region == null || region.isEmpty() ? "" : " --region " + region);
    }

    public String operation() {
        return rule ? "ModifyRule" : "ModifyListener";
    }

    public String arn() {
        return arn;
    }
}
