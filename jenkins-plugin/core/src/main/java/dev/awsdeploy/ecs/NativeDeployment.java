package dev.awsdeploy.ecs;

import dev.awsdeploy.aws.AwsContext;
import dev.awsdeploy.aws.AwsFailure;
import dev.awsdeploy.aws.RetryPolicy;
import dev.awsdeploy.cloudwatch.AlarmGate;
import dev.awsdeploy.cloudwatch.CloudWatch;
import dev.awsdeploy.ecs.NativeState.Phase;
import dev.awsdeploy.run.BadInputException;
import dev.awsdeploy.run.Durations;
import dev.awsdeploy.run.Outcome;
import dev.awsdeploy.run.Params;
import dev.awsdeploy.run.StepMachine;
import dev.awsdeploy.run.StepResult;
import dev.awsdeploy.run.StepRun;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.AdvancedConfiguration;
import software.amazon.awssdk.services.ecs.model.ClusterNotFoundException;
import software.amazon.awssdk.services.ecs.model.DeploymentControllerType;
import software.amazon.awssdk.services.ecs.model.EcsException;
import software.amazon.awssdk.services.ecs.model.LoadBalancer;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.ecs.model.ServiceDeployment;
import software.amazon.awssdk.services.ecs.model.ServiceDeploymentBrief;
import software.amazon.awssdk.services.ecs.model.ServiceDeploymentStatus;
import software.amazon.awssdk.services.ecs.model.StopServiceDeploymentStopType;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;
import software.amazon.awssdk.services.ecs.model.UpdateServiceResponse;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;

/**
 * {@code ecsBlueGreen deployment: 'ecs'}: one UpdateService starts ECS's own BLUE_GREEN, CANARY or LINEAR
 * deployment of the service; then we follow the service deployment and hold it to our guarantees: the alarm gate
 * looks every few seconds (ECS's own alarm rollback, set as a second line of defence, waits for its evaluation),
 * the production rule is read back after every traffic stage and must show what ECS says it asked for, the health
 * URL is probed once it reaches the new revision. ALARM, a failing health URL, a rule that disagrees with ECS, an
 * abort or the deadline → StopServiceDeployment ROLLBACK, followed to its end, the rule read back at 100 % old.
 */
public final class NativeDeployment implements StepMachine<NativeState> {

    /** Statuses of a service deployment that has not ended. */
    static final Set<ServiceDeploymentStatus> RUNNING = Set.of(ServiceDeploymentStatus.PENDING,
            ServiceDeploymentStatus.IN_PROGRESS, ServiceDeploymentStatus.STOP_REQUESTED,
            ServiceDeploymentStatus.ROLLBACK_REQUESTED, ServiceDeploymentStatus.ROLLBACK_IN_PROGRESS);
    static final Set<ServiceDeploymentStatus> ROLLING_BACK = Set.of(ServiceDeploymentStatus.STOP_REQUESTED,
            ServiceDeploymentStatus.ROLLBACK_REQUESTED, ServiceDeploymentStatus.ROLLBACK_IN_PROGRESS);
    /** Stages where the new revision may get test traffic / production traffic. */
    static final Set<String> TEST_REACHES_NEW = Set.of("POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT",
            "POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME");
    static final Set<String> PRODUCTION_REACHES_NEW = Set.of("PRODUCTION_TRAFFIC_SHIFT",
            "POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME");
    static final Duration ROLLBACK_POLL = Duration.ofSeconds(1);
    /** ECS's stages last minutes: while one holds, the service deployment is read once a minute. */
    static final Duration ECS_CALM_POLL = Duration.ofMinutes(1);
    static final Duration ROLLBACK_LIMIT = Duration.ofMinutes(30);
    static final int MISMATCHES_TO_ROLL_BACK = 2;
    static final int MAX_ERRORS = 5;

    private final StepRun run;
    private final NativeRequest req;
    private final EcsClient ecs;
    private final ProductionRule rule;
    private final AlarmGate gate;
    private final TaskDefinitionSource source;
    private final boolean testListener;
    private final Duration calmPoll;
    private final Map<String, String> revisionTaskDefinitions = new LinkedHashMap<>();

    private NativeDeployment(StepRun run, NativeRequest req, EcsClient ecs, ProductionRule rule, AlarmGate gate,
                             TaskDefinitionSource source, boolean testListener, Duration calmPoll) {
        this.run = run;
        this.req = req;
        this.ecs = ecs;
        this.rule = rule;
        this.gate = gate;
        this.source = source;
        this.testListener = testListener;
        this.calmPoll = calmPoll;
    }

    public static StepResult run(Map<String, Object> input, StepRun run) {
        Params p = new Params(input, BlueGreenRequest.PARAMS);
        p.oneOf("deployment", NativeRequest.ECS, List.of(NativeRequest.SERVICES, NativeRequest.ECS));
        Duration minute = EcsBlueGreen.shiftMinute(run);
        NativeRequest req = NativeRequest.read(p, minute);
        if (req.healthCheckUrl() != null) {
            EcsBlueGreen.secretsOf(req.healthCheckUrl()).forEach(run.secrets()::add);
        }
        run.dryRun(p);
        p.check();
        run.record().inputs(p.given());
        AwsContext aws = AwsContext.forRun(run, p);
        EcsClient ecs = aws.client(EcsClient.class, EcsClient::builder, "ECS");
        ElasticLoadBalancingV2Client elb = aws.client(ElasticLoadBalancingV2Client.class,
                ElasticLoadBalancingV2Client::builder, "ELASTIC_LOAD_BALANCING_V2");

        // Start-up reads follow the same transient-failure policy as every tick.
        java.util.function.Function<java.util.function.Supplier<Object>, Object> read = r -> RetryPolicy.call(r,
                run.clock(), run.abort(), m -> run.progress().say("aws", "AWS call failed at start-up: " + m));
        Service svc = (Service) read.apply(() -> service(ecs, req));
        LoadBalancer lb = checkService(svc, req);
        AdvancedConfiguration adv = lb.advancedConfiguration();
        ProductionRule rule = new ProductionRule(elb, adv.productionListenerRule(), lb.targetGroupArn(),
                adv.alternateTargetGroupArn());
        ProductionRule.Split split = (ProductionRule.Split) read.apply(rule::read);
        AlarmGate gate = req.alarms().isEmpty() ? null : new AlarmGate(CloudWatch.client(aws), req.alarms(),
                AlarmGate.InsufficientData.OK);
        AlarmGate.Reading alarms = gate == null ? null : (AlarmGate.Reading) read.apply(() -> gate.read("alarms"));
        Duration calm = gate != null && req.pollInterval() == null ? (Duration) read.apply(() -> EcsBlueGreen
                .calmPoll(CloudWatch.client(aws), req.alarms())) : EcsBlueGreen.CALM_POLL;
        TaskDefinitionSource source = new TaskDefinitionSource(ecs, req.sourceRequest());
        NativeDeployment machine = new NativeDeployment(run, req, ecs, rule, gate, source,
                adv.testListenerRule() != null, calm);
        Instant now = run.clock().now();

        var store = run.stateStore(NativeState.class, req.fingerprint());
        var resumed = store.load();
        if (resumed.isPresent()) {
            NativeState s = resumed.get();
            source.prepare((TaskDefinition) read.apply(() -> describe(ecs, s.oldTaskDefinitionArn)));
            run.progress().say("resume", "Resuming the ECS deployment of " + source.image() + " on " + req.service()
                    + " at phase " + s.phase + (s.serviceDeploymentArn == null ? "" : " (" + s.serviceDeploymentArn
                    + ")") + "; deadline " + s.deadline);
            return run.runner().then(machine, s, store, machine::result);
        }

        TaskDefinition liveTd = (TaskDefinition) read.apply(() -> describe(ecs, svc.taskDefinition()));
        source.prepare(liveTd);
        String live = split.whole();
        NativeState s = new NativeState();
        s.startedAt = now;
        s.changedAt = now;
        s.trafficChangedAt = now;
        s.oldTaskDefinitionArn = liveTd.taskDefinitionArn();
        s.deadline = now.plus(req.stableTimeout()).plus(req.strategy().holds(minute)).plus(req.bakeTime());
        run.record().before("service", Map.of("taskDefinition", liveTd.taskDefinitionArn(),
                "deploymentStrategy", String.valueOf(svc.deploymentConfiguration() == null ? null
                        : svc.deploymentConfiguration().strategyAsString())));
        run.record().before("traffic", new LinkedHashMap<>(split.percent()));
        run.progress().say("plan", "Service " + req.service() + " runs " + TaskDefinitionSource.shortName(
                liveTd.taskDefinitionArn()) + "; production rule " + describe(split) + "; ECS strategy "
                + req.strategy().type() + " (" + req.strategy().name() + "), bake " + req.bakeMinutes() + " min");

        ServiceDeployment running = (ServiceDeployment) read.apply(machine::inProgress);
        if (running != null) {
            String td = machine.targetTaskDefinition(running);
            String differs = source.difference(describe(ecs, td));
            if (RUNNING.contains(running.status()) && !ROLLING_BACK.contains(running.status()) && differs == null) {
                s.phase = Phase.FOLLOW;
                s.attached = true;
                s.taskDefinitionArn = td;
                s.serviceDeploymentArn = running.serviceDeploymentArn();
                machine.pickGroups(s, split, running);
                run.progress().say("decision", "ECS is already deploying " + TaskDefinitionSource.shortName(td)
                        + " (" + running.serviceDeploymentArn() + ", " + running.statusAsString() + "): attaching to "
                        + "it, no second UpdateService");
                return run.isDryRun() ? machine.plan(s, liveTd) : run.runner().then(machine, s, store,
                        machine::result);
            }
            throw new BadInputException("service", req.service(), "has a service deployment in progress that is "
                    + "not this version (" + running.serviceDeploymentArn() + ", " + running.statusAsString() + ", "
                    + TaskDefinitionSource.shortName(td) + (differs == null ? "" : ": " + differs) + ")",
                    "wait until it ends (`aws ecs "
                    + "describe-service-deployments`) or stop it, then run again; nothing was changed");
        }
        if (live == null && !req.force()) {
            throw new BadInputException("force", false, "the production listener rule " + rule.arn() + " is split ("
                    + describe(split) + ") with no service deployment in progress",
                    "put 100 % on one target group, or pass force: true to let ECS deploy from this state");
        }
        s.oldTargetGroup = live != null ? live : split.of(lb.targetGroupArn()) >= 50 ? lb.targetGroupArn()
                : adv.alternateTargetGroupArn();
        s.newTargetGroup = s.oldTargetGroup.equals(lb.targetGroupArn()) ? adv.alternateTargetGroupArn()
                : lb.targetGroupArn();
        String liveDiffers = source.difference(liveTd);
        if (liveDiffers == null && live != null && !req.force()) {
            run.progress().say("decision", "Already live: " + req.service() + " runs " + source.image() + " ("
                    + TaskDefinitionSource.shortName(liveTd.taskDefinitionArn()) + ")" + source.contentNote()
                    + ", with 100 % of production on " + ProductionRule.name(live) + ": unchanged");
            s.taskDefinitionArn = liveTd.taskDefinitionArn();
            s.phase = Phase.DONE;
            return machine.unchanged(s);
        }
        if (alarms != null) {
            run.progress().say("alarms", "Alarms at start: " + alarms.summary());
            if (alarms.isFiring() && !req.ignoreAlarmsAtStart()) {
                s.phase = Phase.FAILED;
                s.reason = "refused to start: " + alarms.describeFiring();
                run.progress().say("decision", "Not starting: " + alarms.describeFiring()
                        + " (ignoreAlarmsAtStart: true to start anyway)");
                return machine.result(s);
            }
        }
        if (liveDiffers != null && source.sameImages(liveTd)) {
            run.progress().say("decision", req.service() + " runs " + TaskDefinitionSource.shortName(liveTd
                    .taskDefinitionArn()) + " with the same images, but it is not the new version: " + liveDiffers);
        }
        if (liveDiffers == null) {
            s.taskDefinitionArn = liveTd.taskDefinitionArn();
            s.phase = Phase.UPDATE;
        } else if (source.needsRegistration()) {
            s.phase = Phase.REGISTER;
        } else {
            s.taskDefinitionArn = source.findRegistered().taskDefinitionArn();
            s.phase = Phase.UPDATE;
        }
        if (run.isDryRun()) {
            return machine.plan(s, liveTd);
        }
        return run.runner().then(machine, s, store, machine::result);
    }

    // ---------------------------------------------------------------- checks before anything changes

    private static Service service(EcsClient ecs, NativeRequest req) {
        List<Service> found;
        try {
            found = ecs.describeServices(b -> b.cluster(req.cluster()).services(req.service())).services();
        } catch (ClusterNotFoundException e) {
            throw new BadInputException("cluster", req.cluster(), "no such ECS cluster in this account and region",
                    "check the name with `aws ecs list-clusters`");
        }
        return found.stream().filter(x -> req.service().equals(x.serviceName()) && !"INACTIVE".equals(x.status()))
                .findFirst().orElseThrow(() -> new BadInputException("service", req.service(), "no such active "
                        + "service in cluster " + req.cluster(), "create it first, or correct the name (`aws ecs "
                        + "list-services --cluster " + req.cluster() + "`)"));
    }

    /** The service must be ECS-controlled, behind one load balancer whose advancedConfiguration is complete. */
    static LoadBalancer checkService(Service svc, NativeRequest req) {
        String name = req.service();
        if (svc.deploymentController() != null && svc.deploymentController().type() != null
                && svc.deploymentController().type() != DeploymentControllerType.ECS) {
            throw new BadInputException("deployment", NativeRequest.ECS, "service " + name + " uses the "
                    + svc.deploymentController().typeAsString() + " deployment controller; ECS's own deployments "
                    + "need the ECS controller", svc.deploymentController().type() == DeploymentControllerType
                    .CODE_DEPLOY ? "deploy it with codeDeployRolling, or move the service to the ECS controller"
                    : "update the service with --deployment-controller type=ECS");
        }
        List<LoadBalancer> lbs = svc.loadBalancers().stream().filter(l -> l.targetGroupArn() != null).toList();
        if (lbs.size() != 1) {
            throw new BadInputException("service", name, lbs.isEmpty() ? "is not behind a load balancer target group"
                    : "has " + lbs.size() + " load balancers; this step follows one production rule",
                    "give the service exactly one loadBalancers entry with its target group and an "
                            + "advancedConfiguration (alternateTargetGroupArn, productionListenerRule, roleArn)");
        }
        LoadBalancer lb = lbs.get(0);
        AdvancedConfiguration a = lb.advancedConfiguration();
        List<String> missing = new ArrayList<>();
        if (a == null || a.alternateTargetGroupArn() == null) {
            missing.add("alternateTargetGroupArn (the second target group, for the new revision)");
        }
        if (a == null || a.productionListenerRule() == null) {
            missing.add("productionListenerRule (the listener rule ECS moves production traffic on)");
        }
        if (a == null || a.roleArn() == null) {
            missing.add("roleArn (the IAM role ECS uses to modify the listener rule)");
        }
        if (!missing.isEmpty()) {
            throw new BadInputException("service", name, "has " + (a == null ? "no" : "an incomplete")
                    + " loadBalancers[0].advancedConfiguration, which ECS's blue/green, canary and linear "
                    + "deployments need", "set " + String.join(", ", missing) + " (aws ecs update-service "
                    + "--load-balancers 'targetGroupArn=...,containerName=...,containerPort=...,advancedConfiguration="
                    + "{...}'), or use deployment: 'services' for two services");
        }
        if (a.alternateTargetGroupArn().equals(lb.targetGroupArn())) {
            throw new BadInputException("service", name, "has alternateTargetGroupArn equal to its target group "
                    + lb.targetGroupArn(), "give the new revision a second target group of its own");
        }
        return lb;
    }

    // ---------------------------------------------------------------- reading ECS

    /** The service's deployment that has not ended, newest first, or null. */
    private ServiceDeployment inProgress() {
        List<ServiceDeploymentBrief> briefs = new ArrayList<>(ecs.listServiceDeployments(b -> b.cluster(req.cluster())
                .service(req.service()).status(RUNNING)).serviceDeployments());
        if (briefs.isEmpty()) {
            return null;
        }
        briefs.sort(Comparator.comparing(ServiceDeploymentBrief::createdAt, Comparator.nullsFirst(
                Comparator.naturalOrder())).reversed());
        return describeDeployment(briefs.get(0).serviceDeploymentArn());
    }

    private ServiceDeployment describeDeployment(String arn) {
        var r = ecs.describeServiceDeployments(b -> b.serviceDeploymentArns(arn));
        if (r.serviceDeployments().isEmpty()) {
            throw new dev.awsdeploy.run.StepFailedException("ECS does not know the service deployment " + arn
                    + (r.hasFailures() && !r.failures().isEmpty() ? " (" + r.failures().get(0).reason() + ")" : ""));
        }
        return r.serviceDeployments().get(0);
    }

    /** The task definition of a deployment's target revision (one DescribeServiceRevisions per revision). */
    private String targetTaskDefinition(ServiceDeployment d) {
        String revision = d.targetServiceRevision() == null ? null : d.targetServiceRevision().arn();
        if (revision == null) {
            return null;
        }
        return revisionTaskDefinitions.computeIfAbsent(revision, r -> {
            var revs = ecs.describeServiceRevisions(b -> b.serviceRevisionArns(r)).serviceRevisions();
            return revs.isEmpty() ? null : revs.get(0).taskDefinition();
        });
    }

    /** Which target group is old and which new, for a deployment already under way. */
    private void pickGroups(NativeState s, ProductionRule.Split split, ServiceDeployment d) {
        List<String> groups = new ArrayList<>(split.percent().keySet());
        double requested = requested(d);
        String newer = Math.abs(split.of(groups.get(1)) - requested) <= Math.abs(split.of(groups.get(0)) - requested)
                ? groups.get(1) : groups.get(0);
        if (split.whole() != null && requested == 0) {
            newer = groups.get(0).equals(split.whole()) ? groups.get(1) : groups.get(0);
        }
        s.newTargetGroup = newer;
        s.oldTargetGroup = newer.equals(groups.get(0)) ? groups.get(1) : groups.get(0);
        s.requestedPercent = requested;
    }

    private static double requested(ServiceDeployment d) {
        Double w = d.targetServiceRevision() == null ? null : d.targetServiceRevision()
                .requestedProductionTrafficWeight();
        return w == null ? 0 : w;
    }

    static TaskDefinition describe(EcsClient ecs, String arn) {
        return ecs.describeTaskDefinition(b -> b.taskDefinition(arn)).taskDefinition();
    }

    private Instant now() {
        return run.clock().now();
    }

    private static String describe(ProductionRule.Split split) {
        List<String> parts = new ArrayList<>();
        split.percent().forEach((tg, pct) -> parts.add(ProductionRule.name(tg) + " " + pct(pct) + " %"));
        return String.join(", ", parts);
    }

    static String pct(double p) {
        return p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p);
    }

    // ---------------------------------------------------------------- the machine

    @Override
    public Tick<NativeState> tick(NativeState s) {
        try {
            Tick<NativeState> t = switch (s.phase) {
                case REGISTER -> register(s);
                case UPDATE -> update(s);
                case FOLLOW -> follow(s);
                case ROLLBACK -> rollback(s);
                default -> Tick.done(s);
            };
            if (t.state().errors == s.errors) {
                t.state().errors = 0; // a tick that went through ends a run of failures
            }
            return t;
        } catch (SdkException e) {
            return awsFailed(s, e);
        }
    }

    /** The project's transient-failure policy ({@link RetryPolicy}); once spent, ECS is asked to roll back. */
    private Tick<NativeState> awsFailed(NativeState s, SdkException e) {
        NativeState n = s.copy();
        n.errors = s.errors + 1;
        String what = AwsFailure.describe(e);
        if (RetryPolicy.tryAgain(e, n.errors)) {
            Duration wait = RetryPolicy.backoff(n.errors);
            run.progress().say("aws", "AWS call failed during " + s.phase + " (" + n.errors + " in a row): " + what
                    + "; trying again in " + Durations.format(wait));
            return Tick.wakeAt(n, now().plus(wait));
        }
        String reason = RetryPolicy.givingUp(e, s.phase, n.errors, what);
        if (s.phase == Phase.ROLLBACK) {
            return fail(n, n.reason + "; and the rollback could not be followed: " + what + (n.stopRequested
                    ? " (ECS was asked to roll back: check the service deployment " + n.serviceDeploymentArn + ")"
                    : ""));
        }
        if (s.serviceDeploymentArn == null && s.phase != Phase.FOLLOW) {
            return fail(n, reason + "; nothing was deployed");
        }
        return stop(n, reason, false);
    }

    private Tick<NativeState> register(NativeState s) {
        NativeState n = s.copy();
        n.phase = Phase.UPDATE;
        n.taskDefinitionArn = source.registerOnce(run.progress());
        return Tick.wakeAt(n, now());
    }

    /** One UpdateService; a deployment of our revision already running (a killed run's) is attached to instead. */
    private Tick<NativeState> update(NativeState s) {
        NativeState n = s.copy();
        n.phase = Phase.FOLLOW;
        n.changedAt = now();
        ServiceDeployment running = inProgress();
        if (running != null && s.taskDefinitionArn.equals(targetTaskDefinition(running))) {
            n.serviceDeploymentArn = running.serviceDeploymentArn();
            run.progress().say("decision", "ECS is already deploying " + TaskDefinitionSource.shortName(
                    s.taskDefinitionArn) + " (" + n.serviceDeploymentArn + "): following it");
            return Tick.wakeAt(n, now());
        }
        Service current = ecs.describeServices(b -> b.cluster(req.cluster()).services(req.service())).services()
                .get(0);
        var config = req.strategy().apply(current.deploymentConfiguration(), req.bakeMinutes(), req.alarms());
        boolean same = s.taskDefinitionArn.equals(current.taskDefinition());
        UpdateServiceResponse r = ecs.updateService(b -> {
            b.cluster(req.cluster()).service(req.service()).taskDefinition(s.taskDefinitionArn)
                    .deploymentConfiguration(config).forceNewDeployment(same);
            if (req.desiredCount() != null) {
                b.desiredCount(req.desiredCount());
            }
        });
        // Read by name: Service.currentServiceDeployment() came after the SDK the plugin runs on (2.38.2); there the
        // answer lacks it and the next tick finds the deployment with ListServiceDeployments instead.
        n.serviceDeploymentArn = r.service() == null ? null
                : r.service().getValueForField("currentServiceDeployment", String.class).orElse(null);
        run.progress().action("UpdateService", req.service(), "Started ECS's " + req.strategy().type()
                + " deployment of " + TaskDefinitionSource.shortName(s.taskDefinitionArn) + " on " + req.service()
                + " (" + plan() + ")" + (n.serviceDeploymentArn == null ? "" : ": " + n.serviceDeploymentArn));
        return Tick.wakeAt(n, now().plusSeconds(2));
    }

    private String plan() {
        NativeRequest.Strategy st = req.strategy();
        String shift = switch (st.type()) {
            case CANARY -> "canary " + st.percent() + " % for " + st.minutes() + " min";
            case LINEAR -> st.percent() + " % more every " + st.minutes() + " min";
            default -> "all at once";
        };
        return shift + ", bake " + req.bakeMinutes() + " min" + (req.alarms().isEmpty() ? ""
                : ", ECS alarm rollback on " + String.join(", ", req.alarms()));
    }

    /** One look at the service deployment, the rule (after a traffic stage), the alarms and the health URL. */
    private Tick<NativeState> follow(NativeState s) {
        NativeState n = s.copy();
        if (n.serviceDeploymentArn == null) {
            ServiceDeployment found = inProgress();
            if (found == null || !s.taskDefinitionArn.equals(targetTaskDefinition(found))) {
                if (!now().isBefore(s.deadline)) {
                    return timedOut(n);
                }
                return Tick.wakeAt(n, now().plusSeconds(2));
            }
            n.serviceDeploymentArn = found.serviceDeploymentArn();
        }
        // ECS changes stage on its own schedule and rolls back traffic itself: it is looked at less often than the
        // alarms, which are what our reaction time is about.
        if (n.ecsLookAt == null || !now().isBefore(n.ecsLookAt)) {
            Tick<NativeState> ended = lookAtEcs(s, n);
            if (ended != null) {
                return ended;
            }
            n.ecsLookAt = now().plus(n.mismatches > 0 ? BlueGreenRequest.DEFAULT_POLL : ecsInterval(n));
        }
        // Alarms and the health URL on their own schedule: a wake-up for ECS does not read them again early.
        if (n.watchAt == null || !now().isBefore(n.watchAt)) {
            if (gate != null) {
                AlarmGate.Reading a = gate.read("alarms");
                run.progress().changed("alarms", "alarms", "Alarms " + a.summary(), Map.of("states", a.states()));
                if (a.isFiring()) {
                    return stop(n, a.describeFiring(), false);
                }
            }
            if (req.healthCheckUrl() != null && (testListener ? TEST_REACHES_NEW : PRODUCTION_REACHES_NEW)
                    .contains(n.stage)) {
                String problem = StandbyHealth.probe(req.healthCheckUrl());
                if (problem == null) {
                    n.urlFailures = 0;
                    run.progress().changed("url", "health", "Health URL ok: " + req.healthCheckUrl());
                } else {
                    n.urlFailures = s.urlFailures + 1;
                    run.progress().say("health", "Health URL " + req.healthCheckUrl() + " " + problem + " ("
                            + n.urlFailures + " in a row)");
                    if (n.urlFailures >= EcsBlueGreen.URL_FAILURES_TO_ROLL_BACK) {
                        return stop(n, "health URL " + req.healthCheckUrl() + " " + problem + " " + n.urlFailures
                                + " times in a row", false);
                    }
                }
            }
            n.watchAt = now().plus(interval(n));
        }
        if (!now().isBefore(s.deadline)) {
            return timedOut(n);
        }
        Instant next = n.watchAt.isAfter(n.ecsLookAt) ? n.ecsLookAt : n.watchAt;
        return Tick.wakeAt(n, next.isAfter(s.deadline) ? s.deadline : next);
    }

    /** One DescribeServiceDeployments: stage changes, ECS's own end, the rule read back after a traffic stage. */
    private Tick<NativeState> lookAtEcs(NativeState s, NativeState n) {
        ServiceDeployment d = describeDeployment(n.serviceDeploymentArn);
        observe(n, d);
        ServiceDeploymentStatus status = d.status();
        if (status == ServiceDeploymentStatus.SUCCESSFUL) {
            return succeeded(n);
        }
        if (!RUNNING.contains(status) || ROLLING_BACK.contains(status)) {
            // ECS stopped or rolled back on its own: its circuit breaker, its alarms, a hook, someone else.
            n.ecsRolledBack = true;
            n.reason = "ECS rolled the deployment back by itself: " + ecsReason(d);
            run.progress().say("decision", n.reason);
            n.phase = Phase.ROLLBACK;
            n.stopRequested = true;
            n.rollbackStartedAt = now();
            return Tick.wakeAt(n, now());
        }
        double requested = requested(d);
        boolean trafficStage = requested != s.requestedPercent || !Objects.equals(d.lifecycleStageAsString(), s.stage)
                || s.mismatches > 0;
        n.requestedPercent = requested;
        if (trafficStage && n.newTargetGroup != null) {
            ProductionRule.Split split = rule.read();
            double seen = split.of(n.newTargetGroup);
            if (Math.abs(seen - requested) > 0.5) {
                n.mismatches = s.mismatches + 1;
                run.progress().say("traffic", "Production rule shows " + describe(split) + " while ECS asks "
                        + pct(requested) + " % for the new revision (" + n.mismatches + " in a row)");
                if (n.mismatches >= MISMATCHES_TO_ROLL_BACK) {
                    return stop(n, "the production rule shows " + describe(split) + " while ECS asked for "
                            + pct(requested) + " % on " + ProductionRule.name(n.newTargetGroup), false);
                }
            } else {
                n.mismatches = 0;
                if (seen != s.readBackPercent || n.weights.isEmpty()) {
                    n.readBackPercent = seen;
                    n.weights.put(now().toString(), seen);
                    run.progress().say("traffic", "Traffic: new revision " + pct(seen) + " %, old " + pct(100 - seen)
                            + " % (read back from " + ProductionRule.name(n.newTargetGroup) + " / "
                            + ProductionRule.name(n.oldTargetGroup) + ")", Map.of("newPercent", seen));
                    n.changedAt = now();
                    n.trafficChangedAt = now();
                    n.watchAt = null;
                }
            }
        }
        return null;
    }

    /** How soon ECS is looked at again: 5 s after a change, easing to a minute while its stage holds. */
    Duration ecsInterval(NativeState s) {
        if (req.pollInterval() != null) {
            return req.pollInterval();
        }
        Duration since = s.changedAt == null ? Duration.ZERO : Duration.between(s.changedAt, now());
        Duration eased = since.dividedBy(2).withNanos(0);
        if (eased.compareTo(BlueGreenRequest.DEFAULT_POLL) < 0) {
            return BlueGreenRequest.DEFAULT_POLL;
        }
        return eased.compareTo(ECS_CALM_POLL) > 0 ? ECS_CALM_POLL : eased;
    }

    /** Tells status and stage changes (with the time each stage took), never a line per poll. */
    private void observe(NativeState n, ServiceDeployment d) {
        String status = d.statusAsString();
        String stage = d.lifecycleStageAsString();
        if (!Objects.equals(status, n.status) || !Objects.equals(stage, n.stage)) {
            if (!Objects.equals(stage, n.stage)) {
                if (!n.stages.isEmpty()) {
                    n.stages.get(n.stages.size() - 1).endedAt = now();
                }
                if (stage != null) {
                    n.stages.add(new NativeState.Stage(stage, now()));
                }
            }
            run.progress().say("stage", "ECS: " + status + (stage == null ? "" : ", " + stage)
                    + (d.statusReason() == null ? "" : " (" + d.statusReason() + ")"),
                    Map.of("status", status, "stage", String.valueOf(stage)));
            n.status = status;
            n.stage = stage;
            n.changedAt = now();
        }
    }

    private static String ecsReason(ServiceDeployment d) {
        List<String> parts = new ArrayList<>();
        parts.add(d.statusAsString());
        if (d.alarms() != null && d.alarms().hasTriggeredAlarmNames() && !d.alarms().triggeredAlarmNames().isEmpty()) {
            parts.add("its alarms fired: " + String.join(", ", d.alarms().triggeredAlarmNames()));
        }
        if (d.deploymentCircuitBreaker() != null && "TRIGGERED".equals(d.deploymentCircuitBreaker()
                .statusAsString())) {
            parts.add("deployment circuit breaker: " + d.deploymentCircuitBreaker().failureCount() + " of "
                    + d.deploymentCircuitBreaker().threshold() + " tasks failed");
        }
        if (d.rollback() != null && d.rollback().reason() != null) {
            parts.add(d.rollback().reason());
        } else if (d.statusReason() != null) {
            parts.add(d.statusReason());
        }
        return String.join("; ", parts);
    }

    /** ECS says SUCCESSFUL: success only once the rule and the service are read again and are what we deployed. */
    private Tick<NativeState> succeeded(NativeState n) {
        ProductionRule.Split split = rule.read();
        Service svc = ecs.describeServices(b -> b.cluster(req.cluster()).services(req.service())).services().get(0);
        String whole = split.whole();
        if (whole == null || !n.taskDefinitionArn.equals(svc.taskDefinition()) || n.newTargetGroup != null
                && !whole.equals(n.newTargetGroup)) {
            return fail(n, "ECS reports the deployment SUCCESSFUL, but the production rule shows " + describe(split)
                    + " and the service runs " + TaskDefinitionSource.shortName(svc.taskDefinition()));
        }
        if (n.readBackPercent != 100) {
            n.weights.put(now().toString(), 100.0);
        }
        n.readBackPercent = 100;
        if (!n.stages.isEmpty()) {
            n.stages.get(n.stages.size() - 1).endedAt = now();
        }
        n.phase = Phase.DONE;
        run.progress().say("done", "Done: " + req.service() + " runs " + TaskDefinitionSource.shortName(
                n.taskDefinitionArn) + " with 100 % of production on " + ProductionRule.name(whole) + " (read back); "
                + "ECS: SUCCESSFUL");
        return Tick.done(n);
    }

    private Tick<NativeState> timedOut(NativeState n) {
        String why = "the deployment did not finish by " + n.deadline + " (stableTimeout " + Durations.format(
                req.stableTimeout()) + " beyond the planned shift and bake)";
        if (n.serviceDeploymentArn == null) {
            n.phase = Phase.TIMED_OUT;
            n.reason = why + "; ECS never showed a deployment of it";
            run.progress().say("decision", "Timed out: " + n.reason);
            return Tick.done(n);
        }
        return stop(n, why, true);
    }

    /** Asks ECS to roll back (StopServiceDeployment ROLLBACK) and follows it. */
    private Tick<NativeState> stop(NativeState s, String reason, boolean timedOut) {
        NativeState n = s.copy();
        n.reason = timedOut ? "timed out: " + reason : reason;
        n.phase = Phase.ROLLBACK;
        n.timedOut = timedOut;
        run.progress().say("decision", "Rolling back: " + reason);
        n.changedAt = now();
        try {
            NativeState after = requestRollback(n);
            noteTrafficBack(after, rule.read());
            return Tick.wakeAt(after, now().plus(ROLLBACK_POLL));
        } catch (SdkException e) {
            run.progress().say("aws", "AWS call failed while asking ECS to roll back: " + AwsFailure.describe(e)
                    + "; asking again");
            return Tick.wakeAt(n, now().plus(ROLLBACK_POLL));
        }
    }

    private NativeState requestRollback(NativeState n) {
        if (n.rollbackStartedAt == null) {
            n.rollbackStartedAt = now();
        }
        if (n.stopRequested || n.serviceDeploymentArn == null) {
            return n;
        }
        try {
            ecs.stopServiceDeployment(b -> b.serviceDeploymentArn(n.serviceDeploymentArn)
                    .stopType(StopServiceDeploymentStopType.ROLLBACK));
            run.progress().action("StopServiceDeployment", n.serviceDeploymentArn, "Asked ECS to roll back "
                    + n.serviceDeploymentArn + " (StopServiceDeployment ROLLBACK)");
        } catch (EcsException e) {
            if (RetryPolicy.isTransient(e)) {
                throw e;
            }
            // Already ended, or ECS already rolling back: what happens next is read from the deployment.
            run.progress().say("aws", "StopServiceDeployment: " + AwsFailure.describe(e));
        }
        n.stopRequested = true;
        return n;
    }

    /** Follows a rollback (ours or ECS's) to its end and reads the rule back at 100 % on the old target group. */
    private Tick<NativeState> rollback(NativeState s) {
        NativeState n = s.copy();
        if (n.serviceDeploymentArn == null) {
            ServiceDeployment found = inProgress();
            if (found == null || !Objects.equals(n.taskDefinitionArn, targetTaskDefinition(found))) {
                return fail(n, n.reason + "; ECS shows no deployment of " + TaskDefinitionSource.shortName(
                        n.taskDefinitionArn) + " to roll back");
            }
            n.serviceDeploymentArn = found.serviceDeploymentArn();
        }
        n = requestRollback(n);
        ServiceDeployment d = describeDeployment(n.serviceDeploymentArn);
        observe(n, d);
        ProductionRule.Split split = rule.read();
        boolean back = noteTrafficBack(n, split);
        ServiceDeploymentStatus status = d.status();
        boolean ended = !RUNNING.contains(status);
        if (ended && status == ServiceDeploymentStatus.ROLLBACK_FAILED || ended && !back) {
            n.phase = Phase.FAILED;
            n.reason = n.reason + "; and ECS's rollback ended " + d.statusAsString() + " ("
                    + Objects.requireNonNullElse(d.statusReason(), "no reason given") + ") with the production rule at "
                    + describe(split);
            run.progress().say("decision", "Failed: " + n.reason);
            return Tick.done(n);
        }
        if (ended) {
            n.phase = n.timedOut ? Phase.TIMED_OUT : Phase.ROLLED_BACK;
            run.progress().say("rolled-back", "Rolled back: " + req.service() + " serves " + TaskDefinitionSource
                    .shortName(n.oldTaskDefinitionArn) + " with 100 % of production (read back); ECS: "
                    + d.statusAsString());
            return Tick.done(n);
        }
        if (now().isAfter(n.rollbackStartedAt.plus(ROLLBACK_LIMIT))) {
            n.phase = Phase.FAILED;
            n.reason = n.reason + "; and ECS's rollback did not end within " + Durations.format(ROLLBACK_LIMIT)
                    + " (" + d.statusAsString() + ", rule " + describe(split) + ")";
            return Tick.done(n);
        }
        return Tick.wakeAt(n, now().plus(n.trafficBack ? BlueGreenRequest.DEFAULT_POLL : ROLLBACK_POLL));
    }

    /** Whether the rule shows 100 % on the old target group; said (and kept in the weights) the first time. */
    private boolean noteTrafficBack(NativeState n, ProductionRule.Split split) {
        boolean back = n.oldTargetGroup != null && split.of(n.oldTargetGroup) >= 99.95;
        if (back && !n.trafficBack) {
            n.trafficBack = true;
            n.weights.put(now().toString(), split.of(n.newTargetGroup));
            n.readBackPercent = 0;
            run.progress().say("traffic-back", "Traffic back: old revision 100 % on " + ProductionRule.name(
                    n.oldTargetGroup) + " (read back)", Map.of("newPercent", 0.0));
        }
        return back;
    }

    /** The polling economy of the two-service mode: 5 s after each traffic change, easing to the alarms' half period. */
    Duration interval(NativeState s) {
        if (req.pollInterval() != null) {
            return req.pollInterval();
        }
        Instant from = s.trafficChangedAt != null ? s.trafficChangedAt : s.changedAt;
        Duration since = from == null ? Duration.ZERO : Duration.between(from, now());
        Duration eased = since.dividedBy(2);
        if (eased.compareTo(BlueGreenRequest.DEFAULT_POLL) < 0) {
            return BlueGreenRequest.DEFAULT_POLL;
        }
        return eased.compareTo(calmPoll) > 0 ? calmPoll : eased.withNanos(0);
    }

    private Tick<NativeState> fail(NativeState s, String reason) {
        NativeState n = s.copy();
        n.phase = Phase.FAILED;
        n.reason = reason;
        run.progress().say("decision", "Failed: " + reason);
        return Tick.done(n);
    }

    @Override
    public NativeState abort(NativeState s, String reason) {
        if (s.finished()) {
            return s;
        }
        run.progress().say("decision", "Abort: " + reason);
        NativeState n = s.copy();
        if (n.phase == Phase.REGISTER || n.phase == Phase.UPDATE) {
            // A run killed inside UpdateService may have started ECS's deployment before it could save the ARN.
            ServiceDeployment started = n.taskDefinitionArn == null ? null : inProgress();
            if (started == null || !n.taskDefinitionArn.equals(targetTaskDefinition(started))) {
                n.phase = Phase.FAILED;
                n.reason = "aborted (" + reason + "); nothing was deployed";
                return n;
            }
            n.serviceDeploymentArn = started.serviceDeploymentArn();
        }
        if (n.serviceDeploymentArn == null) {
            ServiceDeployment found = inProgress();
            n.serviceDeploymentArn = found == null ? null : found.serviceDeploymentArn();
        }
        if (n.serviceDeploymentArn == null) {
            n.phase = Phase.FAILED;
            n.reason = "aborted (" + reason + ") before ECS showed the deployment";
            return n;
        }
        if (n.phase != Phase.ROLLBACK) {
            n.reason = "aborted (" + reason + ")";
            n.phase = Phase.ROLLBACK;
        }
        // Aborting means now: follow ECS's rollback in this thread, briefly, until the rule is read back.
        for (int i = 0; i < 120; i++) {
            try {
                Tick<NativeState> t = rollback(n);
                n = t.state();
                if (t.done()) {
                    return n;
                }
                run.clock().sleepUntil(t.wakeAt());
            } catch (SdkException e) {
                run.progress().say("aws", "AWS call failed while rolling back: " + AwsFailure.describe(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (n.trafficBack) {
            n.phase = n.timedOut ? Phase.TIMED_OUT : Phase.ROLLED_BACK;
            n.reason = n.reason + "; ECS is still finishing its rollback (" + n.status + ")";
        }
        return n;
    }

    // ---------------------------------------------------------------- results

    StepResult unchanged(NativeState s) {
        return StepResult.of(Outcome.SUCCEEDED, "unchanged", req.service() + " already serves " + source.image()
                + " with 100 % of production: nothing to do", fields(s, false));
    }

    /** The dry run: what would be registered (the task definition fields that change) and started. */
    StepResult plan(NativeState s, TaskDefinition live) {
        Map<String, Object> f = fields(s, false);
        f.put("dryRun", true);
        String what = s.attached ? "attach to ECS's deployment " + s.serviceDeploymentArn
                : (s.phase == Phase.REGISTER ? "register a task definition with " + source.image() + ", " : "")
                + "UpdateService " + req.service() + " with ECS strategy " + req.strategy().type() + " (" + plan()
                + "), follow it until " + s.deadline;
        f.put("plan", what);
        run.progress().say("plan", "Dry run: would " + what);
        StepResult plan = StepResult.of(Outcome.SUCCEEDED, "would-deploy", "dry run: would deploy " + source.image()
                + " to " + req.service() + " with ECS " + req.strategy().type(), f);
        return TaskDefinitionDiff.between(live, source.newDefinition()).addTo(plan, run.progress());
    }

    private Map<String, Object> fields(NativeState s, boolean rolledBack) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("deployment", NativeRequest.ECS);
        f.put("service", req.service());
        f.put("serviceDeploymentArn", s.serviceDeploymentArn);
        f.put("deploymentStatus", s.status);
        f.put("strategy", req.strategy().type().toString());
        f.put("trafficShift", req.strategy().name());
        f.put("taskDefinitionArn", s.taskDefinitionArn);
        f.put("previousTaskDefinitionArn", s.oldTaskDefinitionArn);
        f.put("image", source.image());
        f.put("attached", s.attached);
        f.put("rolledBack", rolledBack);
        f.put("rolledBackBy", rolledBack ? (s.ecsRolledBack ? "ECS" : "aws-deploy") : null);
        f.put("reason", s.reason);
        List<Map<String, Object>> stages = new ArrayList<>();
        for (NativeState.Stage st : s.stages) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stage", st.name);
            m.put("startedAt", String.valueOf(st.startedAt));
            m.put("seconds", st.endedAt == null ? null : Duration.between(st.startedAt, st.endedAt).toSeconds());
            stages.add(m);
        }
        f.put("stages", stages);
        f.put("weights", new LinkedHashMap<>(s.weights));
        f.put("newTargetGroup", s.newTargetGroup);
        f.put("oldTargetGroup", s.oldTargetGroup);
        return f;
    }

    StepResult result(NativeState s) {
        return switch (s.phase) {
            case DONE -> {
                run.record().after("service", Map.of("taskDefinition", s.taskDefinitionArn));
                run.record().after("traffic", Map.of(s.newTargetGroup, 100.0, s.oldTargetGroup, 0.0));
                yield StepResult.of(Outcome.SUCCEEDED, "deployed", req.service() + " serves " + source.image()
                        + " with 100 % of production (ECS " + req.strategy().type() + ", read back)"
                        + (s.attached ? "; attached to a deployment already running" : ""), fields(s, false));
            }
            case ROLLED_BACK -> {
                run.record().after("traffic", Map.of(s.oldTargetGroup, 100.0, s.newTargetGroup, 0.0));
                yield StepResult.of(Outcome.FAILED, "rolled-back", "rolled back to " + TaskDefinitionSource.shortName(
                        s.oldTaskDefinitionArn) + " (100 % of production, read back): " + s.reason, fields(s, true));
            }
            case TIMED_OUT -> StepResult.of(Outcome.TIMED_OUT, "timed-out", s.reason + (s.trafficBack
                    ? "; rolled back, 100 % of production on the old revision (read back)" : ""),
                    fields(s, s.trafficBack));
            default -> StepResult.of(Outcome.FAILED, "failed", s.reason, fields(s, false));
        };
    }
}
