package dev.awsdeploy.codedeploy;

import dev.awsdeploy.run.Params;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.codedeploy.model.DeploymentConfigInfo;
import software.amazon.awssdk.services.codedeploy.model.MinimumHealthyHosts;
import software.amazon.awssdk.services.codedeploy.model.TrafficRoutingConfig;
import software.amazon.awssdk.services.codedeploy.model.TrafficRoutingType;

/**
 * The deployment config asked for: a name (CodeDeploy's own {@code CodeDeployDefault.*} or a custom one), or an
 * inline minimum of healthy hosts (EC2/on-premises) or traffic routing (ECS/Lambda), which is created once under a
 * derived name and reused; or nothing, and the deployment group's own config applies.
 */
public record DeploymentConfigSpec(Kind kind, String name, String minType, Integer minValue, String routingType,
                                   Integer percentage, Integer intervalMinutes) {
    public enum Kind { GROUP_DEFAULT, NAMED, MINIMUM_HEALTHY_HOSTS, TRAFFIC_ROUTING }

    /** CodeDeploy's predefined configs and the platform each is for. */
    static final Map<String, String> BUILT_IN = builtIn();

    private static final Pattern MIN = Pattern.compile("(FLEET_PERCENT|HOST_COUNT)\\s*:\\s*(-?\\d+)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern CANARY = Pattern.compile("Canary(\\d+)Percent(\\d+)Minutes?",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern LINEAR = Pattern.compile("Linear(\\d+)PercentEvery(\\d+)Minutes?",
            Pattern.CASE_INSENSITIVE);

    static final String BOTH_FORMS = "AWS takes one or the other, never both: minimumHealthyHosts belongs to the "
            + "EC2/on-premises platform (e.g. minimumHealthyHosts: 'FLEET_PERCENT:75' — at least 75 % of instances "
            + "stay in service while the rest are updated), trafficRouting to ECS/Lambda (e.g. trafficRouting: "
            + "'Canary10Percent5Minutes' — 10 % of traffic for 5 minutes, then the rest); keep the one that matches "
            + "the application's platform";

    private static Map<String, String> builtIn() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String n : List.of("OneAtATime", "HalfAtATime", "AllAtOnce")) {
            m.put("CodeDeployDefault." + n, "Server");
        }
        for (String n : List.of("ECSAllAtOnce", "ECSLinear10PercentEvery1Minutes", "ECSLinear10PercentEvery3Minutes",
                "ECSCanary10Percent5Minutes", "ECSCanary10Percent15Minutes")) {
            m.put("CodeDeployDefault." + n, "ECS");
        }
        for (String n : List.of("LambdaAllAtOnce", "LambdaCanary10Percent5Minutes", "LambdaCanary10Percent10Minutes",
                "LambdaCanary10Percent15Minutes", "LambdaCanary10Percent30Minutes", "LambdaLinear10PercentEvery1Minute",
                "LambdaLinear10PercentEvery2Minutes", "LambdaLinear10PercentEvery3Minutes",
                "LambdaLinear10PercentEvery10Minutes")) {
            m.put("CodeDeployDefault." + n, "Lambda");
        }
        return m;
    }

    static DeploymentConfigSpec parse(Params p) {
        String name = p.string("deploymentConfig");
        String min = p.string("minimumHealthyHosts");
        String routing = p.string("trafficRouting");
        if (min != null && routing != null) {
            p.problem("minimumHealthyHosts", min + "' and trafficRouting '" + routing,
                    "cannot be combined in one deployment config", BOTH_FORMS);
            return null;
        }
        if (name != null && (min != null || routing != null)) {
            String inline = min != null ? "minimumHealthyHosts" : "trafficRouting";
            p.problem("deploymentConfig", name, "is given together with " + inline,
                    "give either a config by name or " + inline + " inline (created for you), not both");
            return null;
        }
        if (name != null) {
            if (name.startsWith("CodeDeployDefault.") && !BUILT_IN.containsKey(name)) {
                p.problem("deploymentConfig", name, "is not one of CodeDeploy's predefined configs",
                        Params.suggestion(name, BUILT_IN.keySet(), "predefined: " + String.join(", ",
                                BUILT_IN.keySet())));
                return null;
            }
            if (!name.matches("[\\w.+=,@-]{1,100}")) {
                p.problem("deploymentConfig", name, "is not a valid deployment config name",
                        "use up to 100 letters, digits and . _ - + = , @");
                return null;
            }
            return new DeploymentConfigSpec(Kind.NAMED, name, null, null, null, null, null);
        }
        if (min != null) {
            Matcher m = MIN.matcher(min);
            if (!m.matches()) {
                p.problem("minimumHealthyHosts", min, "is not TYPE:VALUE",
                        "write FLEET_PERCENT:75 (a percentage of the fleet) or HOST_COUNT:2 (a number of instances)");
                return null;
            }
            String type = m.group(1).toUpperCase();
            int value;
            try {
                value = Integer.parseInt(m.group(2));
            } catch (NumberFormatException e) {
                value = Integer.MAX_VALUE;
            }
            if (type.equals("FLEET_PERCENT") && (value < 0 || value > 99)) {
                p.problem("minimumHealthyHosts", min, "percentage must be between 0 and 99",
                        "at 100 % or more no instance could ever be taken out of service to update it; use e.g. "
                                + "FLEET_PERCENT:75");
                return null;
            }
            if (type.equals("HOST_COUNT") && value < 0) {
                p.problem("minimumHealthyHosts", min, "host count cannot be negative",
                        "give 0 or more instances to keep in service, e.g. HOST_COUNT:2");
                return null;
            }
            return new DeploymentConfigSpec(Kind.MINIMUM_HEALTHY_HOSTS, "aws-deploy-" + type + "-" + value, type, value,
                    null, null, null);
        }
        if (routing != null) {
            if (routing.equalsIgnoreCase("AllAtOnce")) {
                return new DeploymentConfigSpec(Kind.TRAFFIC_ROUTING, null, null, null, "AllAtOnce", null, null);
            }
            Matcher c = CANARY.matcher(routing);
            Matcher l = LINEAR.matcher(routing);
            String type;
            Matcher m;
            if (c.matches()) {
                type = "TimeBasedCanary";
                m = c;
            } else if (l.matches()) {
                type = "TimeBasedLinear";
                m = l;
            } else {
                p.problem("trafficRouting", routing, "is not a traffic routing",
                        "write Canary<P>Percent<M>Minutes (e.g. Canary10Percent5Minutes), "
                                + "Linear<P>PercentEvery<M>Minutes (e.g. Linear10PercentEvery1Minute) or AllAtOnce");
                return null;
            }
            int pct = Integer.parseInt(m.group(1));
            int minutes = Integer.parseInt(m.group(2));
            if (pct < 1 || pct > 99) {
                p.problem("trafficRouting", routing, "percentage must be between 1 and 99",
                        "use e.g. " + (type.equals("TimeBasedCanary") ? "Canary10Percent5Minutes"
                                : "Linear10PercentEvery1Minute") + "; for 100 % at once use AllAtOnce");
                return null;
            }
            if (minutes < 1 || minutes > 2880) {
                p.problem("trafficRouting", routing, "interval must be between 1 and 2880 minutes",
                        "use e.g. 5 minutes");
                return null;
            }
            return new DeploymentConfigSpec(Kind.TRAFFIC_ROUTING, null, null, null, type, pct, minutes);
        }
        return new DeploymentConfigSpec(Kind.GROUP_DEFAULT, null, null, null, null, null, null);
    }

    /** The config name used for this platform (inline traffic routing's name depends on the platform). */
    String nameFor(String platform) {
        return switch (kind) {
            case TRAFFIC_ROUTING -> "AllAtOnce".equals(routingType) ? "CodeDeployDefault." + platform + "AllAtOnce"
                    : "aws-deploy-" + platform + "-" + (routingType.equals("TimeBasedCanary")
                    ? "Canary" + percentage + "Percent" + intervalMinutes + "Minutes"
                    : "Linear" + percentage + "PercentEvery" + intervalMinutes + "Minutes");
            default -> name;
        };
    }

    /** Whether this config must exist under a derived name we create when it is missing. */
    boolean isInline() {
        return kind == Kind.MINIMUM_HEALTHY_HOSTS
                || kind == Kind.TRAFFIC_ROUTING && !"AllAtOnce".equals(routingType);
    }

    void checkPlatform(String platform, String application, Params p) {
        if (kind == Kind.MINIMUM_HEALTHY_HOSTS && !"Server".equals(platform)) {
            p.problem("minimumHealthyHosts", minType + ":" + minValue, "application " + application + " deploys to "
                    + platform + "; minimum healthy hosts is for EC2/on-premises", BOTH_FORMS);
        } else if (kind == Kind.TRAFFIC_ROUTING && "Server".equals(platform)) {
            p.problem("trafficRouting", routingType.equals("AllAtOnce") ? "AllAtOnce" : nameFor(platform)
                    .replace("aws-deploy-Server-", ""), "application " + application + " deploys to EC2/on-premises "
                    + "(Server); traffic routing is for ECS/Lambda", BOTH_FORMS);
        } else if (kind == Kind.NAMED && BUILT_IN.containsKey(name) && !BUILT_IN.get(name).equals(platform)) {
            List<String> fitting = new ArrayList<>();
            BUILT_IN.forEach((n, pl) -> {
                if (pl.equals(platform)) {
                    fitting.add(n);
                }
            });
            p.problem("deploymentConfig", name, "is for the " + BUILT_IN.get(name) + " platform, but application "
                    + application + " deploys to " + platform, "use one for " + platform + ": "
                    + String.join(", ", fitting));
        }
    }

    /** The config CodeDeploy should hold for an inline spec. */
    DeploymentConfigInfo wanted(String platform) {
        DeploymentConfigInfo.Builder b = DeploymentConfigInfo.builder().deploymentConfigName(nameFor(platform))
                .computePlatform(platform);
        if (kind == Kind.MINIMUM_HEALTHY_HOSTS) {
            b.minimumHealthyHosts(MinimumHealthyHosts.builder().type(minType).value(minValue).build());
        } else if (kind == Kind.TRAFFIC_ROUTING) {
            b.trafficRoutingConfig(routing());
        }
        return b.build();
    }

    TrafficRoutingConfig routing() {
        if (routingType.equals("TimeBasedCanary")) {
            return TrafficRoutingConfig.builder().type(TrafficRoutingType.TIME_BASED_CANARY)
                    .timeBasedCanary(t -> t.canaryPercentage(percentage).canaryInterval(intervalMinutes)).build();
        }
        return TrafficRoutingConfig.builder().type(TrafficRoutingType.TIME_BASED_LINEAR)
                .timeBasedLinear(t -> t.linearPercentage(percentage).linearInterval(intervalMinutes)).build();
    }

    /** Whether an existing config is the same as the one we would create. */
    static boolean matches(DeploymentConfigInfo existing, DeploymentConfigInfo wanted) {
        if (!wanted.computePlatformAsString().equals(existing.computePlatformAsString())) {
            return false;
        }
        if (wanted.minimumHealthyHosts() != null) {
            MinimumHealthyHosts e = existing.minimumHealthyHosts();
            return e != null && wanted.minimumHealthyHosts().typeAsString().equals(e.typeAsString())
                    && wanted.minimumHealthyHosts().value().equals(e.value());
        }
        TrafficRoutingConfig w = wanted.trafficRoutingConfig();
        TrafficRoutingConfig e = existing.trafficRoutingConfig();
        return e != null && w.typeAsString().equals(e.typeAsString())
                && java.util.Objects.equals(w.timeBasedCanary(), e.timeBasedCanary())
                && java.util.Objects.equals(w.timeBasedLinear(), e.timeBasedLinear());
    }

    /** "FLEET_PERCENT:75" or "TimeBasedCanary 10% every 5m": what a person reads in the plan. */
    static String describe(DeploymentConfigInfo c) {
        if (c.minimumHealthyHosts() != null && c.minimumHealthyHosts().type() != null) {
            return "minimum healthy hosts " + c.minimumHealthyHosts().typeAsString() + ":" + c.minimumHealthyHosts()
                    .value();
        }
        TrafficRoutingConfig t = c.trafficRoutingConfig();
        if (t != null && t.timeBasedCanary() != null) {
            return "canary " + t.timeBasedCanary().canaryPercentage() + " % for " + t.timeBasedCanary()
                    .canaryInterval() + " min, then the rest";
        }
        if (t != null && t.timeBasedLinear() != null) {
            return "linear " + t.timeBasedLinear().linearPercentage() + " % every " + t.timeBasedLinear()
                    .linearInterval() + " min";
        }
        return "all at once";
    }
}
