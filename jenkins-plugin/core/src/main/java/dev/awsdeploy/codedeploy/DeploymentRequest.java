package dev.awsdeploy.codedeploy;

import dev.awsdeploy.run.Durations;
import dev.awsdeploy.run.Params;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one {@code codeDeployRolling} run is asked to do, validated as a whole before any AWS call. Checks that
 * need the application's compute platform (read with GetApplication) are in {@link #checkPlatform}.
 */
public record DeploymentRequest(String application, String deploymentGroup, Revision revision,
                                DeploymentConfigSpec config, List<String> alarms, boolean autoRollback,
                                Duration timeout, String fileExistsBehavior, boolean ignoreApplicationStopFailures,
                                boolean continueAtReady, String description, boolean force, String action,
                                boolean awaitPromotion, Duration lockTimeout) {
    static final List<String> ACTIONS = List.of("deploy", "promote", "abort");
    /** Parameters that shape a new deployment, and so mean nothing to promote or abort. */
    static final List<String> DEPLOY_ONLY = List.of("deploymentConfig", "minimumHealthyHosts", "trafficRouting",
            "alarms", "autoRollback", "fileExistsBehavior", "ignoreApplicationStopFailures", "continueAtReady",
            "description", "force", "awaitPromotion", "lockTimeout", "bundle", "s3Prefix");

    boolean deploys() {
        return "deploy".equals(action);
    }

    /** Where the revision comes from: exactly one of an S3 object, a local bundle or an ECS task definition. */
    public record Revision(Kind kind, String s3Bucket, String s3Key, String bundleType, String s3Version,
                           String eTag, Path bundle, String s3Prefix, String taskDefinition,
                           String containerName, Integer containerPort) {
        public enum Kind { S3, BUNDLE, ECS }

        public boolean taskDefinitionIsFile() {
            return taskDefinition != null && !taskDefinition.startsWith("arn:");
        }
    }

    static final List<String> BUNDLE_TYPES = List.of("zip", "tar", "tgz", "YAML", "JSON");
    static final List<String> FILE_EXISTS = List.of("DISALLOW", "OVERWRITE", "RETAIN");
    static final Duration MAX_TIMEOUT = Duration.ofHours(24);
    private static final String TASK_DEF_ARN = "arn:aws[\\w-]*:ecs:[a-z0-9-]+:\\d{12}:task-definition/[\\w-]+:\\d+";
    /** CodeDeploy accepts at most 10 alarms per deployment group or override. */
    static final int MAX_ALARMS = 10;

    static DeploymentRequest parse(Params p, Map<String, String> env) {
        String application = p.required("application", "give the CodeDeploy application name, e.g. application: "
                + "'myapp'");
        String group = p.required("deploymentGroup", "give the deployment group, e.g. deploymentGroup: 'prod'");
        String action = p.oneOf("action", "deploy", ACTIONS);
        boolean deploys = "deploy".equals(action);
        if (!deploys) {
            for (String name : DEPLOY_ONLY) {
                if (p.has(name)) {
                    p.problem(name, p.string(name), "applies only to action 'deploy', not '" + action + "'",
                            "drop it: " + action + " acts on the deployment waiting at Ready in " + group
                                    + ", found in CodeDeploy");
                }
            }
        }
        // promote/abort need no revision; one given must be the one waiting at Ready.
        Revision revision = deploys || p.has("s3Key") || p.has("taskDefinition") ? revision(p) : null;
        DeploymentConfigSpec config = DeploymentConfigSpec.parse(p);
        List<String> alarms = p.list("alarms");
        if (alarms.size() > MAX_ALARMS) {
            p.problem("alarms", String.join(",", alarms), "names " + alarms.size() + " alarms; CodeDeploy takes at "
                    + "most " + MAX_ALARMS, "combine them into a composite alarm and name that one");
        }
        boolean autoRollback = p.bool("autoRollback", true);
        Duration timeout = p.duration("timeout", Duration.ofMinutes(60));
        if (timeout.compareTo(Duration.ofMinutes(1)) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
            p.problem("timeout", Durations.format(timeout), "must be between 1m and 24h",
                    "give the longest the deployment may take, e.g. 60m");
        }
        String fileExists = p.oneOf("fileExistsBehavior", null, FILE_EXISTS);
        boolean ignoreStop = p.bool("ignoreApplicationStopFailures", false);
        boolean continueAtReady = p.bool("continueAtReady", false);
        String description = p.string("description");
        if (description == null && env.get("BUILD_URL") != null && !env.get("BUILD_URL").isBlank()) {
            description = env.get("BUILD_URL");
        }
        if (description != null && description.length() > 512) {
            description = description.substring(0, 512);
        }
        boolean force = p.bool("force", false);
        boolean awaitPromotion = p.bool("awaitPromotion", false);
        if (awaitPromotion && continueAtReady) {
            p.problem("awaitPromotion", "true", "contradicts continueAtReady: true",
                    "give one: awaitPromotion ends the step at Ready for a later promote, continueAtReady continues "
                            + "at once");
        }
        Duration lockTimeout = p.duration("lockTimeout", Duration.ofMinutes(5));
        if (lockTimeout.isNegative() || lockTimeout.compareTo(MAX_TIMEOUT) > 0) {
            p.problem("lockTimeout", Durations.format(lockTimeout), "must be between 0s and 24h",
                    "give how long to wait for another deployment on the group to end, e.g. 5m (0s: do not wait)");
        }
        return new DeploymentRequest(application, group, revision, config, alarms, autoRollback, timeout,
                fileExists, ignoreStop, continueAtReady, description, force, action, awaitPromotion, lockTimeout);
    }

    private static Revision revision(Params p) {
        String bucket = p.string("s3Bucket");
        String key = p.string("s3Key");
        String bundleType = p.string("bundleType");
        String version = p.string("s3Version");
        String eTag = p.string("eTag");
        String bundle = p.string("bundle");
        String prefix = p.string("s3Prefix", "aws-deploy/");
        String taskDef = p.string("taskDefinition");
        String container = p.string("containerName");
        Integer port = p.integer("containerPort", null, 1, 65535);
        final String forms = "give s3Bucket + s3Key (an uploaded bundle), bundle + s3Bucket (a local folder or "
                + "archive to upload) or taskDefinition + containerName + containerPort (ECS)";

        int sources = (bundle != null ? 1 : 0) + (taskDef != null ? 1 : 0) + (key != null ? 1 : 0);
        if (sources == 0) {
            p.problem(bucket != null ? "s3Key" : "revision", null, bucket != null ? "is required with s3Bucket"
                    : "no revision given", forms);
            return null;
        }
        if (sources > 1) {
            String given = (key != null ? "s3Key " : "") + (bundle != null ? "bundle " : "")
                    + (taskDef != null ? "taskDefinition" : "");
            p.problem(bundle != null ? "bundle" : "taskDefinition", given.trim(), "more than one revision given",
                    "give exactly one: " + forms);
            return null;
        }
        if (bundleType != null) {
            String bt = canonical(bundleType, BUNDLE_TYPES);
            if (bt == null) {
                p.problem("bundleType", bundleType, "is not one of " + String.join(", ", BUNDLE_TYPES),
                        Params.suggestion(bundleType, BUNDLE_TYPES, "use zip, tar or tgz (EC2/on-premises) or YAML/"
                                + "JSON (an AppSpec file for Lambda)"));
            }
            bundleType = bt;
        }
        if (prefix.startsWith("/")) {
            p.problem("s3Prefix", prefix, "starts with '/'", "write the key prefix without a leading slash, e.g. "
                    + "releases/myapp/");
        }
        if (taskDef != null) {
            for (String s3Only : new String[] {"s3Bucket", "bundleType", "s3Version", "eTag"}) {
                if (p.has(s3Only)) {
                    p.problem(s3Only, p.string(s3Only), "does not apply to an ECS revision",
                            "drop it: an ECS deployment's revision is its AppSpec (taskDefinition + containerName + "
                                    + "containerPort)");
                }
            }
            if (!taskDef.startsWith("arn:")) {
                if (!Files.isRegularFile(Path.of(taskDef))) {
                    p.problem("taskDefinition", taskDef, "is neither a task definition ARN nor an existing file",
                            "give an ARN like arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7 or the path "
                                    + "of a register-task-definition --cli-input-json file");
                }
            } else if (!taskDef.matches(TASK_DEF_ARN)) {
                p.problem("taskDefinition", taskDef, "is not a task definition ARN",
                        "write it like arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7");
            }
            if (container == null) {
                p.problem("containerName", null, "is required for an ECS deployment",
                        "name the container that receives traffic from the load balancer, e.g. containerName: 'web'");
            }
            if (port == null && !p.has("containerPort")) {
                p.problem("containerPort", null, "is required for an ECS deployment",
                        "give the port the load balancer sends traffic to, e.g. containerPort: 8080");
            }
            return new Revision(Revision.Kind.ECS, null, null, null, null, null, null, null, taskDef, container,
                    port);
        }
        for (String ecsOnly : new String[] {"containerName", "containerPort"}) {
            if (p.has(ecsOnly)) {
                p.problem(ecsOnly, p.string(ecsOnly), "applies only to an ECS revision (taskDefinition)",
                        "drop it, or give taskDefinition for an ECS deployment");
            }
        }
        if (bucket == null) {
            p.problem("s3Bucket", null, bundle != null ? "is required to upload the bundle"
                    : "is required with s3Key", "name the S3 bucket CodeDeploy reads revisions from");
        } else if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            p.problem("s3Bucket", bucket, "is not a valid S3 bucket name",
                    "use 3-63 lower-case letters, digits, dots and hyphens");
        }
        if (bundle != null) {
            Path path = Path.of(bundle);
            if (!Files.exists(path)) {
                p.problem("bundle", bundle, "does not exist", "give a folder holding appspec.yml, or a .zip, .tar "
                        + "or .tgz archive (relative to the working directory)");
            } else if (Files.isDirectory(path)) {
                if (!Files.isRegularFile(path.resolve("appspec.yml")) && !Files.isRegularFile(
                        path.resolve("appspec.yaml"))) {
                    p.problem("bundle", bundle, "has no appspec.yml at its root",
                            "CodeDeploy needs appspec.yml at the top of the bundle; add it or point at the right "
                                    + "folder");
                }
            } else if (archiveType(bundle) == null) {
                p.problem("bundle", bundle, "is neither a folder nor a .zip, .tar or .tgz archive",
                        "give a folder (zipped for you) or an archive CodeDeploy understands");
            }
            if (p.has("s3Version") || p.has("eTag")) {
                p.problem(p.has("s3Version") ? "s3Version" : "eTag", p.string(p.has("s3Version") ? "s3Version"
                        : "eTag"), "does not apply to a bundle", "the uploaded object's key holds its content hash;"
                        + " drop it");
            }
            return new Revision(Revision.Kind.BUNDLE, bucket, null,
                    Files.isDirectory(path) ? "zip" : archiveType(bundle), null, null, path, normalisePrefix(prefix),
                    null, null, null);
        }
        if (bundleType == null && key != null) {
            bundleType = archiveType(key);
            if (bundleType == null) {
                p.problem("bundleType", null, "cannot be told from s3Key '" + key + "'",
                        "give bundleType: zip, tar or tgz (or YAML/JSON for a Lambda AppSpec)");
            }
        }
        return new Revision(Revision.Kind.S3, bucket, key, bundleType, version, eTag, null, null, null, null, null);
    }

    private static String normalisePrefix(String prefix) {
        return prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
    }

    /** zip, tar or tgz from a file name, or null. */
    static String archiveType(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".zip")) {
            return "zip";
        }
        if (n.endsWith(".tar")) {
            return "tar";
        }
        if (n.endsWith(".tgz") || n.endsWith(".tar.gz")) {
            return "tgz";
        }
        if (n.endsWith(".yml") || n.endsWith(".yaml")) {
            return "YAML";
        }
        if (n.endsWith(".json")) {
            return "JSON";
        }
        return null;
    }

    private static String canonical(String given, List<String> allowed) {
        for (String a : allowed) {
            if (a.equalsIgnoreCase(given)) {
                return a;
            }
        }
        return null;
    }

    /**
     * The checks that need the application's compute platform (Server, ECS or Lambda): which revision and which
     * deployment config fit it. Problems go to {@code p}; the caller checks before any change.
     */
    void checkPlatform(String platform, Params p) {
        if (revision != null) {
            boolean ecs = revision.kind() == Revision.Kind.ECS;
            if ("ECS".equals(platform) && !ecs) {
                p.problem(revision.kind() == Revision.Kind.BUNDLE ? "bundle" : "s3Key",
                        revision.kind() == Revision.Kind.BUNDLE ? revision.bundle().toString() : revision.s3Key(),
                        "application " + application + " deploys to ECS; an S3 bundle is for EC2/on-premises",
                        "give taskDefinition + containerName + containerPort (an ECS AppSpec is built from them)");
            } else if (!"ECS".equals(platform) && ecs) {
                p.problem("taskDefinition", revision.taskDefinition(), "application " + application + " deploys to "
                        + platform + ", not ECS", "give s3Bucket + s3Key or bundle for EC2/on-premises");
            } else if ("Lambda".equals(platform) && revision.kind() == Revision.Kind.S3
                    && !List.of("YAML", "JSON").contains(revision.bundleType())) {
                p.problem("bundleType", revision.bundleType(), "a Lambda revision is an AppSpec file",
                        "upload the AppSpec as .yml or .json and give bundleType: YAML or JSON");
            } else if ("Lambda".equals(platform) && revision.kind() == Revision.Kind.BUNDLE) {
                p.problem("bundle", revision.bundle().toString(), "a Lambda revision is an AppSpec file, not a bundle",
                        "upload the AppSpec to S3 and give s3Bucket + s3Key");
            }
        }
        if (config != null) {
            config.checkPlatform(platform, application, p);
        }
    }
}
