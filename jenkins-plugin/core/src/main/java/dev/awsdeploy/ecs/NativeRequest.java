package dev.awsdeploy.ecs;

import dev.awsdeploy.run.Durations;
import dev.awsdeploy.run.Params;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.ecs.model.CanaryConfiguration;
import software.amazon.awssdk.services.ecs.model.DeploymentConfiguration;
import software.amazon.awssdk.services.ecs.model.DeploymentStrategy;
import software.amazon.awssdk.services.ecs.model.LinearConfiguration;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;

/**
 * What the user asked of {@code ecsBlueGreen deployment: 'ecs'}: one service whose own deployment strategy
 * (ECS's BLUE_GREEN, CANARY or LINEAR) moves the traffic, while we watch. Same parameter names as the two-service
 * mode ({@link BlueGreenRequest#PARAMS}); what only the two-service mode understands is refused, and every value
 * ECS itself would refuse is bad input here, before any call, with ECS's allowed range.
 */
public record NativeRequest(String cluster, String service, String image, String container, String taskDefinition,
                            RegisterTaskDefinitionRequest taskDefinitionFile, Integer desiredCount, Strategy strategy,
                            List<String> alarms, int bakeMinutes, Duration bakeTime, boolean ignoreAlarmsAtStart,
                            String healthCheckUrl, Duration stableTimeout, Duration pollInterval, boolean force) {

    public static final String SERVICES = "services";
    public static final String ECS = "ecs";

    /** ECS's limits (API reference: CanaryConfiguration, LinearConfiguration, DeploymentConfiguration). */
    static final int MAX_BAKE_MINUTES = 1440;
    static final int MIN_LINEAR_PERCENT = 3;

    private static final Pattern ALL = Pattern.compile("(?i)(?:ECS)?AllAtOnce");
    private static final Pattern CANARY = Pattern.compile("(?i)(?:ECS)?Canary(\\d{1,6})Percent(\\d{1,6})Minutes?");
    private static final Pattern LINEAR = Pattern.compile("(?i)(?:ECS)?Linear(\\d{1,6})PercentEvery(\\d{1,6})"
            + "Minutes?");
    private static final List<String> TWO_SERVICE_ONLY = List.of("blueService", "greenService", "listenerRuleArn",
            "listenerArn", "scaleDownStandby", "bakeOnRollback", "healthCheckRetries", "healthCheckInterval");

    /**
     * How ECS moves production traffic: the strategy, and for CANARY the canary's percent and bake, for LINEAR
     * each step's percent and bake (whole minutes, as ECS takes them).
     */
    public record Strategy(DeploymentStrategy type, int percent, int minutes, String name) {

        /** The deployment configuration to send: the service's own, with this strategy and bake. */
        DeploymentConfiguration apply(DeploymentConfiguration current, int bakeMinutes, List<String> alarms) {
            DeploymentConfiguration.Builder b = current == null ? DeploymentConfiguration.builder()
                    : current.toBuilder();
            b.strategy(type).bakeTimeInMinutes(bakeMinutes).canaryConfiguration((CanaryConfiguration) null)
                    .linearConfiguration((LinearConfiguration) null);
            if (type == DeploymentStrategy.CANARY) {
                b.canaryConfiguration(c -> c.canaryPercent((double) percent).canaryBakeTimeInMinutes(minutes));
            } else if (type == DeploymentStrategy.LINEAR) {
                b.linearConfiguration(l -> l.stepPercent((double) percent).stepBakeTimeInMinutes(minutes));
            }
            if (!alarms.isEmpty()) {
                // ECS's own alarm rollback: a second line of defence behind our faster gate.
                b.alarms(a -> a.alarmNames(alarms).enable(true).rollback(true));
            }
            return b.build();
        }

        /** The time ECS holds traffic below 100 % (canary bake, or every linear step's bake). */
        Duration holds(Duration minute) {
            return switch (type) {
                case CANARY -> minute.multipliedBy(minutes);
                case LINEAR -> minute.multipliedBy((long) minutes * ((100 + percent - 1) / percent - 1));
                default -> Duration.ZERO;
            };
        }
    }

    /** Whether the input asks for ECS's own deployment (deployment: 'ecs'). */
    public static boolean wanted(Map<String, Object> input) {
        Object v = input.get("deployment");
        return v != null && ECS.equalsIgnoreCase(String.valueOf(v).trim());
    }

    public static NativeRequest read(Params p, Duration minute) {
        String cluster = p.required("cluster", "give the ECS cluster's name, e.g. cluster: 'prod'");
        String service = p.required("service", "give the one service ECS deploys, e.g. service: 'myapp'");
        if (service != null && !service.matches("[A-Za-z0-9_-]{1,255}")) {
            p.problem("service", service, "is not an ECS service name", "use letters, digits, - and _ (up to 255)");
        }
        if (cluster != null && !cluster.matches("[A-Za-z0-9_-]{1,255}|arn:aws[\\w-]*:ecs:[\\w-]+:\\d{12}:cluster/"
                + "[A-Za-z0-9_-]{1,255}")) {
            p.problem("cluster", cluster, "is not an ECS cluster name or ARN",
                    "use letters, digits, - and _ (up to 255), e.g. prod");
        }
        for (String name : TWO_SERVICE_ONLY) {
            if (p.has(name)) {
                p.problem(name, p.string(name), "only applies to deployment: 'services' (two services)",
                        "leave it out: with deployment: 'ecs' ECS moves the traffic on the production listener rule of "
                                + "the service's loadBalancers advancedConfiguration and scales the old revision down");
            }
        }

        String image = p.string("image");
        String container = p.string("container");
        String td = p.string("taskDefinition");
        RegisterTaskDefinitionRequest file = null;
        if ((image == null) == (td == null)) {
            p.problem(image == null ? "image" : "taskDefinition", image == null ? null : td, image == null
                    ? "is required" : "cannot be combined with image", "give either the new image (the rest of the "
                    + "live task definition is kept) or a whole taskDefinition");
        } else if (image != null && (!BlueGreenRequest.IMAGE.matcher(image).matches() || image.length() > 255)) {
            p.problem("image", image, "is not an image reference", "write it like registry/repository:tag or "
                    + "registry/repository@sha256:<64 hex digits>, in lower case, without spaces");
        } else if (td != null) {
            if (container != null) {
                p.problem("container", container, "only applies with image",
                        "leave container out: the taskDefinition defines every container");
            }
            if (!BlueGreenRequest.TD_REF.matcher(td).matches()) {
                file = BlueGreenRequest.readFile(p, td);
            }
        }

        Integer desired = p.integer("desiredCount", null, 1, 5000);
        Strategy strategy = strategy(p, p.string("trafficShift"));
        Duration bake = p.duration("bakeTime", Duration.ofMinutes(5));
        int bakeMinutes = (int) Math.min(Integer.MAX_VALUE, bake.toMinutes());
        if (!bake.equals(Duration.ofMinutes(bake.toMinutes()))) {
            p.problem("bakeTime", Durations.format(bake), "is not a whole number of minutes, which ECS's "
                    + "bakeTimeInMinutes needs", "use e.g. 5m (0m to " + MAX_BAKE_MINUTES + "m)");
        } else if (bakeMinutes > MAX_BAKE_MINUTES) {
            p.problem("bakeTime", Durations.format(bake), "is longer than ECS allows", "ECS's bakeTimeInMinutes takes "
                    + "0 to " + MAX_BAKE_MINUTES + " minutes (24h)");
        }
        List<String> alarms = p.list("alarms");
        if (alarms.size() > 10) {
            p.problem("alarms", String.join(",", alarms), "names " + alarms.size() + " alarms",
                    "ECS's deployment alarms take at most 10; combine them in a composite alarm");
        }
        boolean ignoreAtStart = p.bool("ignoreAlarmsAtStart", false);
        String url = p.string("healthCheckUrl");
        if (url != null && (url.contains("{color}") || url.startsWith("blue=") || url.startsWith("green=")
                || !url.matches("https?://[^\\s/]+.*"))) {
            p.problem("healthCheckUrl", url, url.matches("https?://.*") ? "has colours, but ECS deploys one service"
                    : "is not an http(s) URL", "give one URL that reaches the new revision, e.g. through the test "
                    + "listener: https://myapp-test.internal/actuator/health");
        }
        Duration stable = p.duration("stableTimeout", Duration.ofMinutes(15));
        if (stable.compareTo(Duration.ofSeconds(10)) < 0 || stable.compareTo(Duration.ofHours(6)) > 0) {
            p.problem("stableTimeout", Durations.format(stable), "must be between 10s and 6h", "use e.g. 15m");
        }
        Duration poll = p.duration("pollInterval", null);
        if (poll != null && (poll.compareTo(Duration.ofSeconds(1)) < 0 || poll.compareTo(Duration.ofMinutes(5)) > 0)) {
            p.problem("pollInterval", Durations.format(poll), "must be between 1s and 5m",
                    "use e.g. 5s; it is the longest time before an ALARM is acted on");
        }
        boolean force = p.bool("force", false);
        Duration scaledBake = minute.equals(Duration.ofMinutes(1)) ? bake
                : minute.multipliedBy(Math.max(0, bakeMinutes));
        return new NativeRequest(cluster, service, image, container, td, file, desired, strategy, alarms,
                bakeMinutes, scaledBake, ignoreAtStart, url, stable, poll, force);
    }

    /** trafficShift's CodeDeploy names onto ECS's strategies, with ECS's ranges. */
    static Strategy strategy(Params p, String name) {
        if (name == null || ALL.matcher(name.trim()).matches()) {
            return new Strategy(DeploymentStrategy.BLUE_GREEN, 100, 0, "AllAtOnce");
        }
        String v = name.trim();
        Matcher c = CANARY.matcher(v);
        Matcher l = LINEAR.matcher(v);
        if (c.matches()) {
            int percent = Integer.parseInt(c.group(1));
            int minutes = Integer.parseInt(c.group(2));
            if (percent < 1 || percent > 100) {
                p.problem("trafficShift", v, "asks for a " + percent + " % canary", "ECS's canaryPercent takes 0.1 "
                        + "to 100 %: give e.g. Canary10Percent5Minutes");
            }
            checkMinutes(p, v, minutes, "canaryBakeTimeInMinutes");
            return new Strategy(DeploymentStrategy.CANARY, percent, minutes, "Canary" + percent + "Percent" + minutes
                    + "Minutes");
        }
        if (l.matches()) {
            int percent = Integer.parseInt(l.group(1));
            int minutes = Integer.parseInt(l.group(2));
            if (percent < MIN_LINEAR_PERCENT || percent > 100) {
                p.problem("trafficShift", v, "moves " + percent + " % per step", "ECS's stepPercent takes "
                        + MIN_LINEAR_PERCENT + " to 100 %: give e.g. Linear10PercentEvery1Minute");
            }
            checkMinutes(p, v, minutes, "stepBakeTimeInMinutes");
            return new Strategy(DeploymentStrategy.LINEAR, Math.max(1, percent), minutes, "Linear" + percent
                    + "PercentEvery" + minutes + (minutes == 1 ? "Minute" : "Minutes"));
        }
        p.problem("trafficShift", v, "is not a traffic shift name", "use AllAtOnce (ECS BLUE_GREEN), "
                + "Canary<P>Percent<M>Minutes (CANARY) or Linear<P>PercentEvery<M>Minutes (LINEAR)");
        return new Strategy(DeploymentStrategy.BLUE_GREEN, 100, 0, "AllAtOnce");
    }

    private static void checkMinutes(Params p, String value, int minutes, String field) {
        if (minutes > MAX_BAKE_MINUTES) {
            p.problem("trafficShift", value, "waits " + minutes + " minutes per step", "ECS's " + field + " takes 0 "
                    + "to " + MAX_BAKE_MINUTES + " minutes (24h)");
        }
    }

    /** The task definition source reads its input from a two-service request: the same four fields. */
    BlueGreenRequest sourceRequest() {
        return new BlueGreenRequest(cluster, service, service, null, null, image, container, taskDefinition,
                taskDefinitionFile, desiredCount, TrafficShift.ALL_AT_ONCE, alarms, bakeTime, ignoreAlarmsAtStart,
                Map.of(), 1, Duration.ofSeconds(10), stableTimeout, pollInterval, false, false, force, false,
                BlueGreenRequest.DEPLOY, BlueGreenRequest.DEFAULT_LOCK_TIMEOUT);
    }

    /** Identifies the request for the state file: a state cannot resume a different deployment. */
    public String fingerprint() {
        return String.join("|", ECS, cluster, service, image != null ? image : taskDefinition, strategy.name(),
                String.valueOf(bakeMinutes));
    }
}
