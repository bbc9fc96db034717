package dev.awsdeploy.codedeploy;

import dev.awsdeploy.aws.AwsContext;
import dev.awsdeploy.aws.CreatingCall;
import dev.awsdeploy.cloudwatch.AlarmGate;
import dev.awsdeploy.cloudwatch.CloudWatch;
import dev.awsdeploy.run.BadInputException;
import dev.awsdeploy.run.Durations;
import dev.awsdeploy.run.Outcome;
import dev.awsdeploy.run.Param;
import dev.awsdeploy.run.Params;
import dev.awsdeploy.run.StepDefinition;
import dev.awsdeploy.run.StepFailedException;
import dev.awsdeploy.run.StepResult;
import dev.awsdeploy.run.StateStore;
import dev.awsdeploy.run.StepRun;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.codedeploy.CodeDeployClient;
import software.amazon.awssdk.services.codedeploy.model.ApplicationDoesNotExistException;
import software.amazon.awssdk.services.codedeploy.model.AutoRollbackEvent;
import software.amazon.awssdk.services.codedeploy.model.CodeDeployException;
import software.amazon.awssdk.services.codedeploy.model.CreateDeploymentRequest;
import software.amazon.awssdk.services.codedeploy.model.DeploymentConfigAlreadyExistsException;
import software.amazon.awssdk.services.codedeploy.model.DeploymentConfigDoesNotExistException;
import software.amazon.awssdk.services.codedeploy.model.DeploymentConfigInfo;
import software.amazon.awssdk.services.codedeploy.model.DeploymentGroupDoesNotExistException;
import software.amazon.awssdk.services.codedeploy.model.DeploymentGroupInfo;
import software.amazon.awssdk.services.codedeploy.model.DeploymentInfo;
import software.amazon.awssdk.services.codedeploy.model.DeploymentLimitExceededException;
import software.amazon.awssdk.services.codedeploy.model.DeploymentReadyAction;
import software.amazon.awssdk.services.codedeploy.model.DeploymentStatus;
import software.amazon.awssdk.services.codedeploy.model.DeploymentType;
import software.amazon.awssdk.services.codedeploy.model.RevisionLocation;

/**
 * {@code codeDeployRolling}: one CodeDeploy deployment, done safely. Validates everything first (the
 * platform-dependent checks after one GetApplication), reads what exists (the deployment config, the revision in
 * S3, in-progress and last successful deployments of the group), prints the plan, then creates at most one
 * config, uploads at most one bundle, creates at most one deployment and waits for it as a resumable machine.
 */
public final class CodeDeployRolling {
    public static final List<Param> PARAMS = List.of(
            Param.string("application", "CodeDeploy application name"),
            Param.string("deploymentGroup", "deployment group to deploy to"),
            Param.string("s3Bucket", "S3 bucket of the revision (or where bundle is uploaded)"),
            Param.string("s3Key", "S3 key of an uploaded revision bundle"),
            Param.string("bundleType", "zip, tar or tgz (YAML/JSON for a Lambda AppSpec); default from the key"),
            Param.string("s3Version", "S3 object version of the revision"),
            Param.string("eTag", "S3 ETag the revision must have"),
            Param.string("bundle", "local folder (zipped for you) or archive, uploaded once to s3Bucket under "
                    + "s3Prefix with its content hash in the key"),
            Param.string("s3Prefix", "key prefix for uploaded bundles; default aws-deploy/"),
            Param.string("taskDefinition", "ECS: task definition ARN, or a register-task-definition "
                    + "--cli-input-json file (registered once)"),
            Param.string("containerName", "ECS: the container that receives load balancer traffic"),
            Param.integer("containerPort", "ECS: the port the load balancer sends traffic to"),
            Param.string("deploymentConfig", "deployment config by name, e.g. CodeDeployDefault.OneAtATime; "
                    + "default the group's"),
            Param.string("minimumHealthyHosts", "EC2/on-premises inline config: FLEET_PERCENT:75 or HOST_COUNT:2 "
                    + "(created once as aws-deploy-<TYPE>-<N>)"),
            Param.string("trafficRouting", "ECS/Lambda inline config: Canary10Percent5Minutes, "
                    + "Linear10PercentEvery1Minute or AllAtOnce"),
            Param.list("alarms", "CloudWatch alarms that stop (and roll back) this deployment when they fire"),
            Param.bool("autoRollback", "roll back on failure and on alarm; default true"),
            Param.duration("timeout", "longest wait for the deployment; then it is stopped and rolled back; "
                    + "default 60m"),
            Param.string("fileExistsBehavior", "DISALLOW, OVERWRITE or RETAIN: files on the instance not from "
                    + "this bundle"),
            Param.bool("ignoreApplicationStopFailures", "carry on when ApplicationStop fails on an instance"),
            Param.bool("continueAtReady", "blue/green: continue when CodeDeploy waits at Ready for the reroute"),
            Param.string("description", "deployment description; default the Jenkins BUILD_URL"),
            Param.bool("force", "deploy even when the group's last successful deployment has this revision"),
            Param.bool("awaitPromotion", "blue/green with a wait at Ready: end the step there (status "
                    + "awaiting-promotion); a later action promote or abort finishes it"),
            Param.string("action", "deploy (default); promote: continue the deployment waiting at Ready and follow "
                    + "it; abort: stop it with rollback and follow the rollback"),
            Param.duration("lockTimeout", "how long to wait while another deployment runs on the group (CodeDeploy "
                    + "runs one at a time); then exit 4 naming it; default 5m"));

    public static final StepDefinition DEFINITION = new StepDefinition("codeDeployRolling", null,
            "code-deploy-rolling", "Deploy a revision with CodeDeploy and wait for it, with rollback on failure, "
            + "alarm, timeout or abort", PARAMS, CodeDeployRolling::run);

    static final List<String> ACTIVE = List.of("Created", "Queued", "InProgress", "Baking", "Ready");
    /** How far AWS's clock may be behind ours when looking for what an attempt created. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    private CodeDeployRolling() {
    }

    static CodeDeployClient client(AwsContext aws) {
        return aws.client(CodeDeployClient.class, CodeDeployClient::builder, "CODEDEPLOY");
    }

    public static StepResult run(Map<String, Object> input, StepRun run) {
        Params p = new Params(input, PARAMS);
        DeploymentRequest req = DeploymentRequest.parse(p, run.env());
        boolean dryRun = run.dryRun(p);
        p.check();
        run.record().inputs(p.given());

        AwsContext aws = AwsContext.forRun(run, p);
        CodeDeployClient cd = client(aws);
        var store = run.<DeploymentWait.State>stateStore(DeploymentWait.State.class, fingerprint(req));
        DeploymentWait machine = new DeploymentWait(cd, run, req.continueAtReady(), req.awaitPromotion())
                .savingTo(store);
        Optional<DeploymentWait.State> resumed = store.load();
        if (resumed.isPresent()) {
            DeploymentWait.State s = resumed.get();
            run.progress().say("resume", "Resuming the wait on deployment " + s.deploymentId + "; deadline stays "
                    + s.deadline);
            return run.runner().then(machine, s, store, end -> result(run, req, end, null, null, null));
        }

        // Read: the application's platform, the group, then everything the plan needs.
        String platform = platform(cd, req.application());
        DeploymentGroupInfo group = group(cd, req);
        req.checkPlatform(platform, p);
        checkReadyWait(req, group, p);
        p.check();
        if (!req.deploys()) {
            return Promotion.act(cd, req, group, platform, run, machine, store, dryRun);
        }
        ConfigPlan config = planConfig(cd, req.config(), platform, group);
        RevisionSource revision = new RevisionSource(req.revision(), aws);
        try (CodeDeployClient once = CreatingCall.client(aws, CodeDeployClient.builder(), "CODEDEPLOY")) {
            revision.plan();
            if (!req.alarms().isEmpty()) {
                AlarmGate.Reading alarms = new AlarmGate(CloudWatch.client(aws), req.alarms(),
                        AlarmGate.InsufficientData.OK).read("alarms");
                if (alarms.isFiring()) {
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("alarms", alarms.states());
                    return StepResult.of(Outcome.FAILED, "alarm-firing", "not deploying: " + alarms.describeFiring()
                            + " — CodeDeploy would stop the deployment at once", f);
                }
            }
            run.record().before("deploymentGroup", Map.of("deploymentConfig", String.valueOf(
                    group.deploymentConfigName()), "lastSuccessfulDeployment", group.lastSuccessfulDeployment() == null
                    ? "" : String.valueOf(group.lastSuccessfulDeployment().deploymentId())));

            // Replay: attach to a deployment of this revision already running; skip one already deployed.
            List<DeploymentInfo> active = GroupWait.active(cd, req);
            if (revision.location() != null) {
                Optional<DeploymentInfo> running = active.stream()
                        .filter(d -> RevisionSource.same(d.revision(), revision.location())).findFirst();
                if (running.isPresent()) {
                    DeploymentInfo d = running.get();
                    run.progress().say("decision", "Deployment " + d.deploymentId() + " of this revision is already "
                            + d.statusAsString() + " on " + req.deploymentGroup() + ": attaching to it instead of "
                            + "starting a second one");
                    if (dryRun) {
                        return plan(run, req, platform, config, revision, "would-attach", d.deploymentId(), null);
                    }
                    return follow(run, req, machine, store, d.deploymentId(), platform, config, revision, group);
                }
                Optional<String> deployed = lastSuccessfulWithRevision(cd, group, revision.location());
                if (deployed.isPresent() && !req.force()) {
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("deploymentId", deployed.get());
                    f.put("revision", RevisionSource.describe(revision.location()));
                    f.put("rolledBack", false);
                    return StepResult.of(Outcome.SUCCEEDED, "unchanged", "the last successful deployment "
                            + deployed.get() + " of " + req.deploymentGroup() + " already has this revision: "
                            + "unchanged (force: true deploys it again)", f);
                }
            }
            if (dryRun) {
                return plan(run, req, platform, config, revision, "would-deploy", null,
                        active.isEmpty() ? null : active.get(0));
            }

            // One deployment at a time: CodeDeploy refuses a second on the group, so wait for the one running.
            GroupWait lock = new GroupWait(cd, req, run, revision.location());
            GroupWait.State free = lock.await(active);
            if (free.attachTo != null) {
                return follow(run, req, machine, store, free.attachTo, platform, config, revision, group);
            }
            if (free.verdict != null) {
                return lock.result(free);
            }

            // Act.
            run.progress().say("plan", "Deploying " + revision.summary() + " to " + req.application() + "/"
                    + req.deploymentGroup() + " (" + platform + ") with deployment config " + config.summary);
            if (config.create != null) {
                createConfig(once, cd, config, run);
            }
            revision.apply(run);
            while (true) {
                Instant attempt = run.clock().now();
                try {
                    String id = CreatingCall.create("CreateDeployment", "deployment of " + RevisionSource.describe(
                            revision.location()) + " to " + req.application() + "/" + req.deploymentGroup(),
                            () -> create(once, req, config, revision.location()),
                            () -> createdSince(cd, req, revision.location(), attempt), run);
                    run.progress().action("CreateDeployment", id, "Created deployment " + id + " of "
                            + RevisionSource.describe(revision.location()) + " to " + req.application() + "/"
                            + req.deploymentGroup() + (config.name == null ? "" : " with " + config.name)
                            + (req.alarms().isEmpty() ? "" : ", stopped by alarms " + String.join(", ", req.alarms()))
                            + (req.autoRollback() ? ", automatic rollback on failure and alarm"
                            : ", no automatic rollback"));
                    return follow(run, req, machine, store, id, platform, config, revision, group);
                } catch (DeploymentLimitExceededException e) {
                    // Someone started a deployment between our look and our create: wait for it like any other.
                    run.progress().say("decision", "CodeDeploy refused a second deployment on " + req.deploymentGroup()
                            + " (" + e.awsErrorDetails().errorMessage() + "): waiting for the one running");
                    free = lock.await(GroupWait.active(cd, req));
                    if (free.attachTo != null) {
                        return follow(run, req, machine, store, free.attachTo, platform, config, revision, group);
                    }
                    if (free.verdict != null) {
                        return lock.result(free);
                    }
                } catch (CodeDeployException e) {
                    throw new StepFailedException("CreateDeployment on " + req.application() + "/"
                            + req.deploymentGroup() + " failed: " + e.awsErrorDetails().errorCode() + ": "
                            + e.awsErrorDetails().errorMessage() + "; nothing was deployed", e);
                }
            }
        } finally {
            revision.close();
        }
    }

    /** Waits for a deployment (created, attached to or promoted) to its end, saving the wait as it goes. */
    static StepResult follow(StepRun run, DeploymentRequest req, DeploymentWait machine,
                             StateStore<DeploymentWait.State> store, String id, String platform, ConfigPlan config,
                             RevisionSource revision, DeploymentGroupInfo group) {
        run.progress().say("phase", "Waiting for " + id + " (timeout " + Durations.format(req.timeout()) + ")");
        DeploymentWait.State s = DeploymentWait.State.start(id, platform, req.autoRollback(), run.clock().now(),
                req.timeout());
        store.save(s);
        return run.runner().then(machine, s, store, end -> result(run, req, end, config, revision, group));
    }

    private static void createConfig(CodeDeployClient once, CodeDeployClient cd, ConfigPlan config, StepRun run) {
        DeploymentConfigInfo want = config.create;
        String made = CreatingCall.create("CreateDeploymentConfig", "deployment config " + config.name, () -> {
            try {
                once.createDeploymentConfig(b -> b.deploymentConfigName(want.deploymentConfigName())
                        .computePlatform(want.computePlatform()).minimumHealthyHosts(want.minimumHealthyHosts())
                        .trafficRoutingConfig(want.trafficRoutingConfig()));
                return "created";
            } catch (DeploymentConfigAlreadyExistsException e) {
                // An earlier unanswered attempt (or a parallel run) made it: fine if it is the same config.
                return existingConfig(cd, want).orElseThrow(() -> new StepFailedException("deployment config "
                        + config.name + " appeared meanwhile with other settings; name the config you want with "
                        + "deploymentConfig", e));
            }
        }, () -> existingConfig(cd, want), run);
        if ("created".equals(made)) {
            run.progress().action("CreateDeploymentConfig", config.name, "Created deployment config "
                    + config.name + " (" + DeploymentConfigSpec.describe(want) + ")");
        }
    }

    /** "deployment config NAME" when a config of that name with these settings exists. */
    private static Optional<String> existingConfig(CodeDeployClient cd, DeploymentConfigInfo want) {
        try {
            DeploymentConfigInfo c = cd.getDeploymentConfig(b -> b.deploymentConfigName(want.deploymentConfigName()))
                    .deploymentConfigInfo();
            return DeploymentConfigSpec.matches(c, want) ? Optional.of("deployment config "
                    + want.deploymentConfigName()) : Optional.empty();
        } catch (DeploymentConfigDoesNotExistException e) {
            return Optional.empty();
        }
    }

    /**
     * The deployment an unanswered CreateDeployment made, if it did: one of the group's deployments created since
     * the attempt (a few minutes of clock skew allowed), of this revision and with this description.
     */
    static Optional<String> createdSince(CodeDeployClient cd, DeploymentRequest req, RevisionLocation revision,
                                         Instant attempt) {
        List<String> ids = cd.listDeployments(b -> b.applicationName(req.application())
                .deploymentGroupName(req.deploymentGroup()).createTimeRange(t -> t.start(attempt.minus(
                        CLOCK_SKEW)))).deployments();
        if (ids.isEmpty()) {
            return Optional.empty();
        }
        List<String> first = ids.subList(0, Math.min(25, ids.size()));
        return cd.batchGetDeployments(b -> b.deploymentIds(first)).deploymentsInfo().stream()
                .filter(d -> RevisionSource.same(d.revision(), revision)
                        && java.util.Objects.equals(blankToNull(d.description()), blankToNull(req.description())))
                .max(java.util.Comparator.comparing(d -> d.createTime() == null ? Instant.EPOCH : d.createTime()))
                .map(DeploymentInfo::deploymentId);
    }

    private static String blankToNull(String v) {
        return v == null || v.isBlank() ? null : v;
    }

    /**
     * awaitPromotion needs a deployment that stops at Ready: a blue/green group whose deployments wait for the
     * reroute (deploymentReadyOption STOP_DEPLOYMENT). Checked when the group says how it deploys.
     */
    private static void checkReadyWait(DeploymentRequest req, DeploymentGroupInfo group, Params p) {
        if (!req.awaitPromotion()) {
            return;
        }
        if (group.deploymentStyle() != null && group.deploymentStyle().deploymentType() == DeploymentType.IN_PLACE) {
            p.problem("awaitPromotion", "true", "deployment group " + req.deploymentGroup() + " deploys in place; "
                    + "only blue/green deployments wait at Ready", "drop awaitPromotion, or deploy to a blue/green "
                    + "group whose deployments wait for the traffic reroute");
            return;
        }
        var ready = group.blueGreenDeploymentConfiguration() == null ? null
                : group.blueGreenDeploymentConfiguration().deploymentReadyOption();
        if (ready != null && ready.actionOnTimeout() == DeploymentReadyAction.CONTINUE_DEPLOYMENT) {
            p.problem("awaitPromotion", "true", "deployment group " + req.deploymentGroup() + " reroutes traffic at "
                    + "once (deploymentReadyOption CONTINUE_DEPLOYMENT); its deployments never wait at Ready",
                    "set the group's deploymentReadyOption to STOP_DEPLOYMENT with a wait time, or drop "
                            + "awaitPromotion");
        }
    }

    /** What the group does with a deployment left at Ready, for the summary: "CodeDeploy stops it after 60 min". */
    static String readyWait(DeploymentGroupInfo group) {
        var ready = group == null || group.blueGreenDeploymentConfiguration() == null ? null
                : group.blueGreenDeploymentConfiguration().deploymentReadyOption();
        if (ready == null || ready.waitTimeInMinutes() == null) {
            return "";
        }
        return "; unless promoted, CodeDeploy stops it (and rolls back) " + ready.waitTimeInMinutes()
                + " min after it reached Ready";
    }

    private static String fingerprint(DeploymentRequest r) {
        return "codeDeployRolling:" + r.action() + ":" + r.application() + "/" + r.deploymentGroup() + ":"
                + r.revision();
    }

    private static String platform(CodeDeployClient cd, String application) {
        try {
            String platform = cd.getApplication(b -> b.applicationName(application)).application()
                    .computePlatformAsString();
            return platform == null ? "Server" : platform;
        } catch (ApplicationDoesNotExistException e) {
            List<String> apps = cd.listApplications().applications();
            throw new BadInputException("application", application, "no such CodeDeploy application in this account"
                    + " and region", Params.suggestion(application, apps, apps.isEmpty() ? "create it first"
                    : "applications here: " + String.join(", ", apps)));
        }
    }

    private static DeploymentGroupInfo group(CodeDeployClient cd, DeploymentRequest req) {
        try {
            return cd.getDeploymentGroup(b -> b.applicationName(req.application())
                    .deploymentGroupName(req.deploymentGroup())).deploymentGroupInfo();
        } catch (DeploymentGroupDoesNotExistException e) {
            List<String> groups = cd.listDeploymentGroups(b -> b.applicationName(req.application())).deploymentGroups();
            throw new BadInputException("deploymentGroup", req.deploymentGroup(), "no such deployment group in "
                    + "application " + req.application(), Params.suggestion(req.deploymentGroup(), groups,
                    groups.isEmpty() ? "create it first" : "groups of " + req.application() + ": "
                            + String.join(", ", groups)));
        }
    }

    /** The config a deployment will use: its name (null: the group's own) and the one to create, if any. */
    static final class ConfigPlan {
        String name;
        DeploymentConfigInfo create;
        String summary;
    }

    private static ConfigPlan planConfig(CodeDeployClient cd, DeploymentConfigSpec spec, String platform,
                                         DeploymentGroupInfo group) {
        ConfigPlan plan = new ConfigPlan();
        if (spec.kind() == DeploymentConfigSpec.Kind.GROUP_DEFAULT) {
            plan.summary = "the group's own (" + group.deploymentConfigName() + ")";
            return plan;
        }
        plan.name = spec.nameFor(platform);
        if (DeploymentConfigSpec.BUILT_IN.containsKey(plan.name)) {
            plan.summary = plan.name;
            return plan;
        }
        DeploymentConfigInfo existing;
        try {
            existing = cd.getDeploymentConfig(b -> b.deploymentConfigName(plan.name)).deploymentConfigInfo();
        } catch (DeploymentConfigDoesNotExistException e) {
            existing = null;
        }
        if (!spec.isInline()) {
            if (existing == null) {
                throw new BadInputException("deploymentConfig", plan.name, "no such deployment config in this account"
                        + " and region", "create it first, give a CodeDeployDefault.* name, or give "
                        + ("Server".equals(platform) ? "minimumHealthyHosts: 'FLEET_PERCENT:75'"
                        : "trafficRouting: 'Canary10Percent5Minutes'") + " to have one created");
            }
            if (existing.computePlatformAsString() != null && !platform.equals(existing.computePlatformAsString())) {
                throw new BadInputException("deploymentConfig", plan.name, "is for the "
                        + existing.computePlatformAsString() + " platform, but the application deploys to " + platform,
                        "use a config made for " + platform);
            }
            plan.summary = plan.name + " (" + DeploymentConfigSpec.describe(existing) + ")";
            return plan;
        }
        DeploymentConfigInfo wanted = spec.wanted(platform);
        if (existing == null) {
            plan.create = wanted;
            plan.summary = plan.name + " (" + DeploymentConfigSpec.describe(wanted) + ", to create)";
        } else if (DeploymentConfigSpec.matches(existing, wanted)) {
            plan.summary = plan.name + " (" + DeploymentConfigSpec.describe(wanted) + ", exists)";
        } else {
            String param = spec.kind() == DeploymentConfigSpec.Kind.MINIMUM_HEALTHY_HOSTS ? "minimumHealthyHosts"
                    : "trafficRouting";
            throw new BadInputException(param, plan.name, "a deployment config of that name exists with other "
                    + "settings (" + DeploymentConfigSpec.describe(existing) + ")", "CodeDeploy configs cannot "
                    + "be changed: delete " + plan.name + " or name the config you want with deploymentConfig");
        }
        return plan;
    }

    private static Optional<String> lastSuccessfulWithRevision(CodeDeployClient cd, DeploymentGroupInfo group,
                                                               RevisionLocation revision) {
        var last = group.lastSuccessfulDeployment();
        if (last == null || last.deploymentId() == null || last.status() != DeploymentStatus.SUCCEEDED) {
            return Optional.empty();
        }
        DeploymentInfo d = cd.getDeployment(b -> b.deploymentId(last.deploymentId())).deploymentInfo();
        return RevisionSource.same(d.revision(), revision) ? Optional.of(d.deploymentId()) : Optional.empty();
    }

    private static String create(CodeDeployClient cd, DeploymentRequest req, ConfigPlan config,
                                 RevisionLocation revision) {
        CreateDeploymentRequest.Builder b = CreateDeploymentRequest.builder().applicationName(req.application())
                .deploymentGroupName(req.deploymentGroup()).revision(revision)
                .autoRollbackConfiguration(a -> {
                    a.enabled(req.autoRollback());
                    if (req.autoRollback()) {
                        a.events(AutoRollbackEvent.DEPLOYMENT_FAILURE, AutoRollbackEvent.DEPLOYMENT_STOP_ON_ALARM);
                    }
                });
        if (config.name != null) {
            b.deploymentConfigName(config.name);
        }
        if (!req.alarms().isEmpty()) {
            b.overrideAlarmConfiguration(a -> a.enabled(true).ignorePollAlarmFailure(false)
                    .alarms(req.alarms().stream().map(n -> software.amazon.awssdk.services.codedeploy.model.Alarm
                            .builder().name(n).build()).toList()));
        }
        if (req.description() != null) {
            b.description(req.description());
        }
        if (req.fileExistsBehavior() != null) {
            b.fileExistsBehavior(req.fileExistsBehavior());
        }
        if (req.ignoreApplicationStopFailures()) {
            b.ignoreApplicationStopFailures(true);
        }
        return cd.createDeployment(b.build()).deploymentId();
    }

    private static StepResult plan(StepRun run, DeploymentRequest req, String platform, ConfigPlan config,
                                   RevisionSource revision, String status, String attachTo,
                                   DeploymentInfo busy) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("dryRun", true);
        f.put("platform", platform);
        f.put("deploymentConfig", config.summary);
        f.put("revision", revision.summary());
        if (attachTo != null) {
            f.put("deploymentId", attachTo);
        }
        f.put("alarms", req.alarms());
        f.put("autoRollback", req.autoRollback());
        f.put("timeout", Durations.format(req.timeout()));
        List<String> steps = new ArrayList<>();
        if (attachTo != null) {
            steps.add("attach to deployment " + attachTo + " and wait for it");
        } else {
            if (busy != null) {
                steps.add("wait up to " + Durations.format(req.lockTimeout()) + " for " + GroupWait.describe(busy)
                        + " to end (CodeDeploy runs one deployment per group)");
            }
            if (config.create != null) {
                steps.add("create deployment config " + config.summary);
            }
            if (revision.needsChange()) {
                steps.add(req.revision().kind() == DeploymentRequest.Revision.Kind.ECS ? "register the task definition"
                        : "upload the bundle");
            }
            steps.add("create a deployment of " + revision.summary() + " to " + req.application() + "/"
                    + req.deploymentGroup() + " with " + config.summary);
            steps.add("wait up to " + Durations.format(req.timeout()) + ", stop and roll back at the timeout");
        }
        f.put("plan", steps);
        run.progress().say("plan", "Plan (" + platform + "): " + String.join("; ", steps));
        return StepResult.of(Outcome.SUCCEEDED, status, "dry run: would " + steps.get(0), f);
    }

    static StepResult result(StepRun run, DeploymentRequest req, DeploymentWait.State s, ConfigPlan config,
                             RevisionSource revision, DeploymentGroupInfo group) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("deploymentId", s.deploymentId);
        f.put("deploymentStatus", s.status);
        f.put("rolledBack", s.rollbackDeploymentId != null && "Succeeded".equals(s.rollbackStatus));
        f.put("rollbackDeploymentId", s.rollbackDeploymentId);
        f.put("rollbackStatus", s.rollbackStatus);
        f.put("instances", s.instances);
        if (!s.traffic.isEmpty()) {
            f.put("traffic", s.traffic);
        }
        if (config != null) {
            f.put("deploymentConfig", config.summary);
        }
        if (revision != null) {
            f.put("revision", RevisionSource.describe(revision.location()));
        }
        if (s.rollbackMessage != null && s.rollbackDeploymentId == null) {
            f.put("rollbackMessage", s.rollbackMessage);
        }
        if (s.errorCode != null || s.errorMessage != null) {
            f.put("error", DeploymentWait.error(s));
        }
        if (!s.failures.isEmpty()) {
            f.put("failures", s.failures);
        }
        if (s.stopStatus != null) {
            f.put("stopStatus", s.stopStatus);
        }
        Map<String, Object> timings = new LinkedHashMap<>();
        timings.put("waitStartedAt", s.startedAt.toString());
        timings.put("endedAt", s.endedAt == null ? null : s.endedAt.toString());
        timings.put("waited", s.endedAt == null ? null : Durations.format(Duration.between(s.startedAt, s.endedAt)
                .withNanos(0)));
        f.put("timings", timings);
        f.put("polls", s.polls);
        run.record().after("deployment", Map.of("deploymentId", s.deploymentId, "status", String.valueOf(s.status),
                "rollbackDeploymentId", String.valueOf(s.rollbackDeploymentId)));
        String waited = s.endedAt == null ? "" : " in " + Durations.format(Duration.between(s.startedAt, s.endedAt)
                .withNanos(0));
        return switch (s.verdict) {
            case "SUCCEEDED" -> StepResult.of(Outcome.SUCCEEDED, "Succeeded", "deployment " + s.deploymentId
                    + " succeeded" + waited + instancesLine(s), f);
            case "TIMED_OUT" -> StepResult.of(Outcome.TIMED_OUT, "TimedOut", "deployment " + s.deploymentId + " "
                    + s.reason, f);
            case "ABORTED" -> StepResult.of(Outcome.FAILED, "Aborted", "deployment " + s.deploymentId + ": "
                    + s.reason, f);
            case "AWAITING_PROMOTION" -> StepResult.of(Outcome.SUCCEEDED, "awaiting-promotion", "deployment "
                    + s.deploymentId + " waits at Ready in CodeDeploy: the replacement is up, traffic is still on the "
                    + "original, and nothing but CodeDeploy watches it now" + readyWait(group) + " — run "
                    + "codeDeployRolling with action: 'promote' to reroute traffic, or action: 'abort' to stop it "
                    + "with rollback", f);
            case "ABANDONED" -> Promotion.abortResult(s, f);
            default -> StepResult.of(Outcome.FAILED, s.rollbackDeploymentId != null ? "RolledBack" : s.status,
                    "deployment " + s.deploymentId + " " + s.reason, f);
        };
    }

    private static String instancesLine(DeploymentWait.State s) {
        Long ok = s.instances.get("succeeded");
        if (ok == null || ok == 0) {
            return "";
        }
        return " (" + ok + " instances succeeded" + (s.instances.getOrDefault("skipped", 0L) > 0 ? ", "
                + s.instances.get("skipped") + " skipped" : "") + ")";
    }
}
