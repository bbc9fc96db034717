package dev.awsdeploy.ecs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.aws.CliInputJson;
import dev.awsdeploy.run.Durations;
import dev.awsdeploy.run.Param;
import dev.awsdeploy.run.Params;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;

/**
 * What the user asked ecsBlueGreen to do, read from the step's input map and checked completely before any AWS
 * call: every problem is named with its parameter, value and fix. What needs AWS to check (does the rule forward
 * to the services' target groups, does the container exist) is checked by the step before anything changes.
 */
public record BlueGreenRequest(String cluster, String blueService, String greenService, String listenerRuleArn,
                               String listenerArn, String image, String container, String taskDefinition,
                               RegisterTaskDefinitionRequest taskDefinitionFile, Integer desiredCount,
                               TrafficShift trafficShift, List<String> alarms, Duration bakeTime,
                               boolean ignoreAlarmsAtStart, Map<String, String> healthCheckUrls,
                               int healthCheckRetries, Duration healthCheckInterval, Duration stableTimeout,
                               Duration pollInterval, boolean scaleDownStandby, boolean bakeOnRollback,
                               boolean force, boolean awaitPromotion, String action, Duration lockTimeout) {

    /** What a run does: deploy a version, or continue / undo a canary that awaits promotion. */
    public static final String DEPLOY = "deploy";
    public static final String PROMOTE = "promote";
    public static final String ABORT = "abort";
    static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofMinutes(5);

    public static final List<Param> PARAMS = List.of(
            Param.string("deployment", "services (default): two services, blue and green, behind one rule; ecs: "
                    + "ECS's own blue/green, canary or linear deployment of one service"),
            Param.string("cluster", "ECS cluster of the two services"),
            Param.string("service", "base name: the services are <service>-blue and <service>-green; with "
                    + "deployment: 'ecs' the one service"),
            Param.string("blueService", "the blue service's name (instead of service)"),
            Param.string("greenService", "the green service's name (instead of service)"),
            Param.string("listenerRuleArn", "ALB listener rule that forwards to the two services' target groups"),
            Param.string("listenerArn", "ALB listener whose default action forwards to the two target groups "
                    + "(instead of listenerRuleArn)"),
            Param.string("image", "new image for the container; everything else is kept from the live task "
                    + "definition"),
            Param.string("container", "container whose image is replaced; default the only, or the first "
                    + "essential, container"),
            Param.string("taskDefinition", "instead of image: a register-task-definition --cli-input-json file, "
                    + "family:revision, or a task definition ARN"),
            Param.integer("desiredCount", "tasks of the new colour; default the live service's desired count"),
            Param.string("trafficShift", "AllAtOnce (default), Canary<P>Percent<M>Minutes or "
                    + "Linear<P>PercentEvery<M>Minutes, with or without the ECS prefix"),
            Param.list("alarms", "alarms watched during the traffic shift and the bake; ALARM rolls back"),
            Param.duration("bakeTime", "how long the alarms are watched at 100 %; default 5m"),
            Param.bool("ignoreAlarmsAtStart", "start even when a watched alarm is already in ALARM; default false"),
            Param.string("healthCheckUrl", "URL that must answer 2xx before traffic moves and while it is shifted; "
                    + "{color} is replaced by blue or green; or blue=URL,green=URL"),
            Param.integer("healthCheckRetries", "tries of the health URL before the standby is declared unhealthy; "
                    + "default 10"),
            Param.duration("healthCheckInterval", "time between two tries of the health URL; default 10s"),
            Param.duration("stableTimeout", "longest wait for the standby service to run the new version healthy; "
                    + "default 15m"),
            Param.duration("pollInterval", "how often alarms and health are read while shifting and baking, i.e. "
                    + "the rollback reaction time; default 5s after each traffic change, easing while nothing changes to half the "
                    + "shortest alarm period (at most 30s); a value given is kept exactly"),
            Param.bool("scaleDownStandby", "scale the old colour to 0 tasks after success; default false (kept "
                    + "warm for an instant rollback)"),
            Param.bool("bakeOnRollback", "also shift gradually and bake when switching back to a standby that "
                    + "already runs the version; default false (instant switch)"),
            Param.bool("force", "deploy even when the rule is caught mid-shift or the version already runs; "
                    + "default false"),
            Param.bool("awaitPromotion", "end once the canary's first increment is live, verified and its hold has "
                    + "passed (status awaiting-promotion); promote or abort it later with action; default false"),
            Param.string("action", "deploy (default); promote: continue the canary that awaits promotion (rest of "
                    + "the shift, bake); abort: put 100 % back on its old colour"),
            Param.duration("lockTimeout", "how long to wait while another deployment holds the services' lease; "
                    + "default 5m"));

    static final Duration DEFAULT_POLL = Duration.ofSeconds(5);
    private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9_-]{1,255}|arn:aws[\\w-]*:ecs:[\\w-]+:\\d{12}"
            + ":cluster/[A-Za-z0-9_-]{1,255}");
    private static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9_-]{1,255}");
    private static final Pattern RULE = Pattern.compile("arn:aws[\\w-]*:elasticloadbalancing:[\\w-]+:\\d{12}:"
            + "listener-rule/(app|net)/[^/\\s]+/[0-9a-f]+/[0-9a-f]+/[0-9a-f]+");
    private static final Pattern LISTENER = Pattern.compile("arn:aws[\\w-]*:elasticloadbalancing:[\\w-]+:\\d{12}:"
            + "listener/(app|net)/[^/\\s]+/[0-9a-f]+/[0-9a-f]+");
    static final Pattern IMAGE = Pattern.compile("[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\\d+)?"
            + "(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?");
    static final Pattern TD_REF = Pattern.compile("[A-Za-z0-9_-]{1,255}:\\d+|arn:aws[\\w-]*:ecs:[\\w-]+:"
            + "\\d{12}:task-definition/[A-Za-z0-9_-]{1,255}:\\d+");

    /** Reads and checks the input; problems are left in {@code p} for the caller's {@code p.check()}. */
    public static BlueGreenRequest read(Params p, Duration minute) {
        p.oneOf("deployment", NativeRequest.SERVICES, List.of(NativeRequest.SERVICES, NativeRequest.ECS));
        String cluster = p.required("cluster", "give the ECS cluster's name, e.g. cluster: 'prod'");
        if (cluster != null && !CLUSTER.matcher(cluster).matches()) {
            p.problem("cluster", cluster, "is not an ECS cluster name or ARN",
                    "use letters, digits, - and _ (up to 255), e.g. prod");
        }
        String service = p.string("service");
        String blue = p.string("blueService");
        String green = p.string("greenService");
        if (service != null && (blue != null || green != null)) {
            p.problem(blue != null ? "blueService" : "greenService", blue != null ? blue : green,
                    "cannot be combined with service '" + service + "'",
                    "give either service (for <service>-blue and <service>-green) or blueService and greenService");
        } else if (service != null) {
            checkName(p, "service", service);
            blue = service + "-blue";
            green = service + "-green";
        } else if (blue == null && green == null) {
            p.problem("service", null, "is required",
                    "give service: 'myapp' (services myapp-blue and myapp-green) or blueService and greenService");
        } else if (blue == null || green == null) {
            p.problem(blue == null ? "blueService" : "greenService", null,
                    "is required when " + (blue == null ? "greenService" : "blueService") + " is given",
                    "give both blueService and greenService");
        } else {
            checkName(p, "blueService", blue);
            checkName(p, "greenService", green);
            if (blue.equals(green)) {
                p.problem("greenService", green, "is the same service as blueService",
                        "blue and green must be two services, each with its own target group");
            }
        }

        String rule = p.string("listenerRuleArn");
        String listener = p.string("listenerArn");
        if (rule == null && listener == null) {
            p.problem("listenerRuleArn", null, "is required", "give the ARN of the listener rule that forwards to "
                    + "the two target groups, or listenerArn to use a listener's default action");
        } else if (rule != null && listener != null) {
            p.problem("listenerArn", listener, "cannot be combined with listenerRuleArn",
                    "give listenerRuleArn for a rule, or listenerArn for the listener's default action, not both");
        } else if (rule != null && !RULE.matcher(rule).matches()) {
            p.problem("listenerRuleArn", rule, "is not a listener rule ARN",
                    LISTENER.matcher(rule).matches() ? "that is a listener ARN: pass it as listenerArn"
                            : "copy it from the console or `aws elbv2 describe-rules`: "
                            + "arn:aws:elasticloadbalancing:<region>:<account>:listener-rule/app/<lb>/<id>/<id>/<id>");
        } else if (listener != null && !LISTENER.matcher(listener).matches()) {
            p.problem("listenerArn", listener, "is not a listener ARN",
                    RULE.matcher(listener).matches() ? "that is a listener rule ARN: pass it as listenerRuleArn"
                            : "copy it from `aws elbv2 describe-listeners`: "
                            + "arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<lb>/<id>/<id>");
        }

        String action = p.oneOf("action", DEPLOY, List.of(DEPLOY, PROMOTE, ABORT));
        boolean deploy = DEPLOY.equals(action);
        String image = p.string("image");
        String container = p.string("container");
        String td = p.string("taskDefinition");
        RegisterTaskDefinitionRequest file = null;
        if (image == null && td == null && deploy) {
            p.problem("image", null, "is required", "give the new image (e.g. image: '123456789012.dkr.ecr."
                    + "ap-northeast-2.amazonaws.com/myapp@sha256:...'), or taskDefinition");
        } else if (image != null && td != null) {
            p.problem("taskDefinition", td, "cannot be combined with image",
                    "give image to change only the image of the live task definition, or a whole taskDefinition");
        } else if (image != null) {
            if (!IMAGE.matcher(image).matches() || image.length() > 255) {
                p.problem("image", image, "is not an image reference",
                        "write it like registry/repository:tag or registry/repository@sha256:<64 hex digits>, "
                                + "in lower case, without spaces");
            }
        } else if (td != null) {
            if (container != null) {
                p.problem("container", container, "only applies with image",
                        "leave container out: the taskDefinition file defines every container");
            }
            if (!TD_REF.matcher(td).matches()) {
                file = readFile(p, td);
            }
        }
        if (container != null && !container.matches("[A-Za-z0-9_-]{1,255}")) {
            p.problem("container", container, "is not a container name", "use the container's name in the task "
                    + "definition (letters, digits, - and _)");
        }

        Integer desired = p.integer("desiredCount", null, 1, 5000);
        TrafficShift shift = TrafficShift.ALL_AT_ONCE;
        String shiftName = p.string("trafficShift");
        if (shiftName != null) {
            try {
                shift = TrafficShift.parse(shiftName, minute);
            } catch (IllegalArgumentException e) {
                String[] parts = e.getMessage().split("\\|", 2);
                p.problem("trafficShift", shiftName, parts[0], parts[1]);
            }
        }
        List<String> alarms = p.list("alarms");
        Duration bake = p.duration("bakeTime", Duration.ofMinutes(5));
        if (bake.compareTo(Duration.ofHours(24)) > 0) {
            p.problem("bakeTime", Durations.format(bake), "is longer than 24h", "use e.g. 5m or 30m");
        }
        if (!minute.equals(Duration.ofMinutes(1))) {
            // A demo's shortened minute (AWS_DEPLOY_SHIFT_MINUTE) shortens the bake in the same proportion.
            bake = Duration.ofMillis(bake.toMillis() * minute.toMillis() / Duration.ofMinutes(1).toMillis());
        }
        boolean ignoreAtStart = p.bool("ignoreAlarmsAtStart", false);
        Map<String, String> urls = healthUrls(p, p.string("healthCheckUrl"));
        int retries = p.integer("healthCheckRetries", 10, 1, 1000);
        Duration interval = p.duration("healthCheckInterval", Duration.ofSeconds(10));
        if (interval.isZero() || interval.compareTo(Duration.ofMinutes(10)) > 0) {
            p.problem("healthCheckInterval", Durations.format(interval), "must be more than 0 and at most 10m",
                    "use e.g. 10s");
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
        boolean scaleDown = p.bool("scaleDownStandby", false);
        boolean bakeOnRollback = p.bool("bakeOnRollback", false);
        boolean force = p.bool("force", false);
        boolean await = p.bool("awaitPromotion", false);
        if (await && !deploy) {
            p.problem("awaitPromotion", true, "only applies to action 'deploy' (this is action '" + action + "')",
                    "leave awaitPromotion out: " + action + " acts on the canary that already awaits promotion");
        } else if (await && shift.steps().size() < 2) {
            p.problem("awaitPromotion", true, "needs a trafficShift with a first increment to hold at, not "
                    + shift.name(), "use e.g. trafficShift: 'Canary10Percent5Minutes' or "
                    + "'Linear10PercentEvery1Minute'");
        }
        if (!deploy && shiftName != null) {
            p.problem("trafficShift", shiftName, "does not apply to action '" + action + "'",
                    "leave it out: a promoted canary continues with the trafficShift it was started with");
        }
        Duration lock = p.duration("lockTimeout", DEFAULT_LOCK_TIMEOUT);
        if (lock.compareTo(Duration.ofHours(6)) > 0) {
            p.problem("lockTimeout", Durations.format(lock), "is longer than 6h", "use e.g. 5m or 30m (0s: do not "
                    + "wait)");
        }
        return new BlueGreenRequest(cluster, blue, green, rule, listener, image, container, td, file, desired, shift,
                alarms, bake, ignoreAtStart, urls, retries, interval, stable, poll, scaleDown, bakeOnRollback, force,
                await, action, lock);
    }

    /** The same request for the recorded version of a canary that awaits promotion (promote and abort). */
    BlueGreenRequest forCanary(String taskDefinitionArn, TrafficShift recordedShift, List<String> recordedAlarms) {
        return new BlueGreenRequest(cluster, blueService, greenService, listenerRuleArn, listenerArn, null, null,
                taskDefinitionArn, null, desiredCount, recordedShift, alarms.isEmpty() ? recordedAlarms : alarms,
                bakeTime, ignoreAlarmsAtStart, healthCheckUrls, healthCheckRetries, healthCheckInterval,
                stableTimeout, pollInterval, scaleDownStandby, bakeOnRollback, force, false, action, lockTimeout);
    }

    public boolean deploys() {
        return DEPLOY.equals(action);
    }

    private static void checkName(Params p, String param, String name) {
        if (!SERVICE.matcher(name).matches()) {
            p.problem(param, name, "is not an ECS service name", "use letters, digits, - and _ (up to 255)");
        }
    }

    static RegisterTaskDefinitionRequest readFile(Params p, String path) {
        if (!Files.isRegularFile(Path.of(path))) {
            p.problem("taskDefinition", path, "is neither a file, family:revision nor a task definition ARN",
                    "give the path of a register-task-definition --cli-input-json file, e.g. "
                            + "resources/taskdefs/myapp-fargate.json, or family:revision like myapp:12");
            return null;
        }
        try {
            JsonNode json = CliInputJson.readFile("taskDefinition", path);
            RegisterTaskDefinitionRequest r = CliInputJson.read(json, RegisterTaskDefinitionRequest::builder,
                    "taskDefinition", path, List.of());
            if (r.family() == null || r.family().isBlank()) {
                p.problem("taskDefinition", path, "has no family", "add \"family\": \"myapp\"");
            }
            if (r.containerDefinitions().isEmpty()) {
                p.problem("taskDefinition", path, "has no containerDefinitions", "add the containers, each with "
                        + "name and image");
            }
            for (var c : r.containerDefinitions()) {
                if (c.name() == null || c.image() == null) {
                    p.problem("taskDefinition", path, "has a container without name or image",
                            "give every container in containerDefinitions a name and an image");
                }
            }
            return r;
        } catch (dev.awsdeploy.run.BadInputException e) {
            e.problems().forEach(pr -> p.problem(pr.parameter(), pr.value(), pr.message(), pr.fix()));
            return null;
        }
    }

    /** "URL" (with an optional {color}) or "blue=URL,green=URL" into a URL per colour. */
    private static Map<String, String> healthUrls(Params p, String value) {
        Map<String, String> urls = new LinkedHashMap<>();
        if (value == null) {
            return urls;
        }
        if (value.startsWith("blue=") || value.startsWith("green=")) {
            for (String part : value.split(",")) {
                String[] kv = part.trim().split("=", 2);
                if (kv.length != 2 || !(kv[0].equals("blue") || kv[0].equals("green"))) {
                    p.problem("healthCheckUrl", value, "has a part '" + part.trim() + "' that is not blue=URL or "
                            + "green=URL", "write blue=http://...,green=http://...");
                    return urls;
                }
                urls.put(kv[0], kv[1].trim());
            }
            if (urls.size() != 2) {
                p.problem("healthCheckUrl", value, "names only one colour", "give both: blue=URL,green=URL");
            }
        } else {
            urls.put("blue", value.replace("{color}", "blue"));
            urls.put("green", value.replace("{color}", "green"));
        }
        for (String url : urls.values()) {
            try {
                URI u = URI.create(url);
                if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                    throw new IllegalArgumentException();
                }
            } catch (IllegalArgumentException e) {
                p.problem("healthCheckUrl", value, "is not an http(s) URL", "write it like "
                        + "https://myapp-{color}.internal/actuator/health");
                break;
            }
        }
        return urls;
    }

    public String service(String color) {
        return "blue".equals(color) ? blueService : greenService;
    }

    public boolean usesRule() {
        return listenerRuleArn != null;
    }

    public String routeArn() {
        return usesRule() ? listenerRuleArn : listenerArn;
    }

    public String routeParam() {
        return usesRule() ? "listenerRuleArn" : "listenerArn";
    }

    /** Identifies the request for the state file: a state cannot resume a different deployment. */
    public String fingerprint() {
        return String.join("|", cluster, blueService, greenService, routeArn(),
                image != null ? image : String.valueOf(taskDefinition), trafficShift.name())
                + (deploys() ? "" : "|" + action);
    }
}
