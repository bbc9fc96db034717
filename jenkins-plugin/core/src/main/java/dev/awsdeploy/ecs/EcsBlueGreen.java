package dev.awsdeploy.ecs;

import dev.awsdeploy.aws.AwsContext;
import dev.awsdeploy.aws.AwsFailure;
import dev.awsdeploy.aws.RetryPolicy;
import dev.awsdeploy.cloudwatch.AlarmGate;
import dev.awsdeploy.cloudwatch.CloudWatch;
import dev.awsdeploy.ecs.BlueGreenState.Phase;
import dev.awsdeploy.ecs.StandbyHealth.Verdict;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.run.BadInputException;
import dev.awsdeploy.run.Durations;
import dev.awsdeploy.run.Outcome;
import dev.awsdeploy.run.Params;
import dev.awsdeploy.run.StepDefinition;
import dev.awsdeploy.run.StepMachine;
import dev.awsdeploy.run.StepResult;
import dev.awsdeploy.run.StepRun;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ClusterNotFoundException;
import software.amazon.awssdk.services.ecs.model.DescribeServicesResponse;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;

/**
 * {@code ecsBlueGreen}: puts a new version on the standby colour, proves it healthy, shifts ALB traffic to it
 * step by step while watching alarms, and either ends with the new colour serving 100 % (read back) or puts all
 * traffic back on the old colour. A reconcile machine: each tick reads the world, compares it with the phase's
 * goal and takes one step; the state is small and persisted, so a killed run resumes where it was.
 */
public final class EcsBlueGreen implements StepMachine<BlueGreenState> {
    public static final StepDefinition DEFINITION = new StepDefinition("ecsBlueGreen", null, "ecs-blue-green",
            "Deploy to the standby colour of two ECS services behind an ALB, shift traffic, bake, roll back on alarm",
            BlueGreenRequest.PARAMS, EcsBlueGreen::run);

    /** Waiting for ECS: first look soon, then ease off to this (rollouts take minutes). */
    static final Duration STANDBY_FIRST_POLL = Duration.ofSeconds(2);
    static final Duration STANDBY_MAX_POLL = Duration.ofSeconds(15);
    /** While traffic is shifted and nothing changes, the default poll eases off to this. */
    static final Duration CALM_POLL = Duration.ofSeconds(30);
    /** Target health is re-read during holds and the bake at most this often (and before every traffic increase). */
    static final Duration TARGETS_EVERY = Duration.ofMinutes(2);
    /** A target health reading this recent is trusted before a traffic step. */
    static final Duration FRESH_TARGETS = Duration.ofSeconds(5);
    /** Consecutive failed health URL probes that roll back while traffic is on the new colour. */
    static final int URL_FAILURES_TO_ROLL_BACK = 2;

    private final StepRun run;
    private final BlueGreenRequest req;
    private final EcsClient ecs;
    private final ElasticLoadBalancingV2Client elb;
    private final TrafficRoute route;
    private final AlarmGate gate;
    private final TaskDefinitionSource source;
    private final Map<String, String> groups;
    private Duration calmPoll = CALM_POLL;
    /** For a resumed run: what the previous run had done, appended to a failure's reason. */
    private String resumeNote = "";
    // ---- issue 12 (lease, promotion): the deploy's lease while it runs, and where the promotion record lives
    DeploymentLease lease;
    ResourceTags routeTags;

    EcsBlueGreen(StepRun run, BlueGreenRequest req, EcsClient ecs, ElasticLoadBalancingV2Client elb, TrafficRoute route,
                 AlarmGate gate, TaskDefinitionSource source, Map<String, String> groups) {
        this.run = run;
        this.req = req;
        this.ecs = ecs;
        this.elb = elb;
        this.route = route;
        this.gate = gate;
        this.source = source;
        this.groups = groups;
    }

    public static StepResult run(Map<String, Object> input, StepRun run) {
        if (NativeRequest.wanted(input)) {
            return NativeDeployment.run(input, run);
        }
        return run(input, run, null);
    }

    /**
     * One pass: read, plan, act. A pass that would change something and holds no lease yet takes the lease and
     * then plans again under it ({@link #underLease}), so the plan is made from what is true once no other
     * deployment can change it. Dry runs and replays that change nothing take no lease.
     */
    private static StepResult run(Map<String, Object> input, StepRun run, DeploymentLease held) {
        Instant readAt = run.clock().now();
        Params p = new Params(input, BlueGreenRequest.PARAMS);
        Duration minute = shiftMinute(run);
        BlueGreenRequest req = BlueGreenRequest.read(p, minute);
        for (String url : req.healthCheckUrls().values()) {
            secretsOf(url).forEach(run.secrets()::add);
        }
        run.dryRun(p);
        p.check();
        run.record().inputs(p.given());
        AwsContext aws = AwsContext.forRun(run, p);
        EcsClient ecs = aws.client(EcsClient.class, EcsClient::builder, "ECS");
        ElasticLoadBalancingV2Client elb = aws.client(ElasticLoadBalancingV2Client.class,
                ElasticLoadBalancingV2Client::builder, "ELASTIC_LOAD_BALANCING_V2");
        if (!minute.equals(Duration.ofMinutes(1))) {
            run.progress().changed("note", "note", "A minute of trafficShift and bakeTime lasts " + Durations.format(minute)
                    + " (AWS_DEPLOY_SHIFT_MINUTE, for demos)");
        }

        Map<String, Service> services = startup(run, () -> services(ecs, req));
        Map<String, String> groups = new LinkedHashMap<>();
        groups.put("blue", targetGroup(services.get("blue"), "blueService"));
        groups.put("green", targetGroup(services.get("green"), "greenService"));
        if (groups.get("blue").equals(groups.get("green"))) {
            throw new BadInputException("greenService", req.greenService(), "is in the same target group as "
                    + req.blueService() + " (" + groups.get("blue") + ")",
                    "give each colour its own target group, so the rule can weigh them");
        }
        TrafficRoute route = new TrafficRoute(elb, req.routeParam(), req.routeArn(), req.usesRule(), groups);
        Weights weights = startup(run, route::read);
        AlarmGate gate = req.alarms().isEmpty() ? null : new AlarmGate(CloudWatch.client(aws), req.alarms(),
                AlarmGate.InsufficientData.OK);
        AlarmGate.Reading alarms = gate == null ? null : startup(run, () -> gate.read("alarms"));
        TaskDefinitionSource source = new TaskDefinitionSource(ecs, req);
        ResourceTags routeTags = ResourceTags.elb(elb, req.routeArn(), req.routeParam() + " "
                + TaskDefinitionSource.shortName(req.routeArn()));
        if (!req.deploys()) {
            return CanaryPromotion.run(req, run, aws, ecs, elb, routeTags, services, groups, held,
                    l -> run(input, run, l));
        }

        var store = run.stateStore(BlueGreenState.class, req.fingerprint());
        var resumed = store.load();
        EcsBlueGreen machine = new EcsBlueGreen(run, req, ecs, elb, route, gate, source, groups);
        machine.routeTags = routeTags;
        if (gate != null && req.pollInterval() == null) {
            machine.calmPoll = startup(run, () -> calmPoll(CloudWatch.client(aws),
                    req.alarms()));
        }
        Instant now = run.clock().now();
        if (resumed.isPresent()) {
            BlueGreenState saved = resumed.get();
            TaskDefinition oldTd = startup(run, () -> describe(ecs,
                    services.get(saved.oldColor).taskDefinition()));
            source.prepare(oldTd);
            if (held == null) {
                // A resumed run recognises its own lease by the token in its state.
                return underLease(req, run, lease(run, ecs, req, services, routeTags), saved.leaseToken,
                        l -> l.undisturbedSince(readAt) ? machine.resumeToEnd(saved, weights, store, l)
                                : run(input, run, l));
            }
            return machine.resumeToEnd(saved, weights, store, held);
        }

        PromotionRecord awaiting = PromotionRecord.read(routeTags);
        if (awaiting != null && !req.force()) {
            throw new BadInputException("action", BlueGreenRequest.DEPLOY, req.routeParam() + " " + req.routeArn()
                    + " holds " + awaiting.describe(), "promote it (action: 'promote') or abort it (action: "
                    + "'abort') first, or pass force: true to deploy over it");
        }
        String live = weights.live();
        if (live == null) {
            if (!req.force()) {
                throw new BadInputException("force", false, req.routeParam() + " " + req.routeArn()
                        + " is caught mid-shift (" + weights + "): another deploy may be running",
                        "wait for it to finish, or pass force: true to take over (traffic then starts from the "
                                + "colour with more weight)");
            }
            live = weights.blue() >= weights.green() ? "blue" : "green";
            run.progress().say("decision", "Rule is mid-shift (" + weights + "); force: treating " + live
                    + " as live");
        }
        String standby = other(live);
        Service liveService = services.get(live);
        Service standbyService = services.get(standby);
        TaskDefinition liveTd = startup(run, () -> describe(ecs, liveService.taskDefinition()));
        source.prepare(liveTd);
        int desired = req.desiredCount() != null ? req.desiredCount() : Math.max(1, liveService.desiredCount());
        run.record().before("traffic", Map.of("blue", weights.blue(), "green", weights.green()));
        run.record().before("services", Map.of(req.blueService(), services.get("blue").taskDefinition(),
                req.greenService(), services.get("green").taskDefinition()));
        Map<String, String> liveImages = new java.util.LinkedHashMap<>();
        liveTd.containerDefinitions().forEach(c -> liveImages.put(c.name(), c.image()));
        run.record().before("images", liveImages);
        run.progress().changed("plan", "plan", "Live: " + live + " (" + req.service(live) + ", "
                + TaskDefinitionSource.shortName(liveService.taskDefinition()) + ", " + weights + "); standby: "
                + standby + " (" + req.service(standby) + ", "
                + TaskDefinitionSource.shortName(standbyService.taskDefinition()) + ")");

        BlueGreenState s = new BlueGreenState();
        s.oldColor = live;
        s.newColor = standby;
        s.desiredCount = desired;
        s.phaseStartedAt = now;

        String liveDiffers = source.difference(liveTd);
        if (liveDiffers == null && weights.of(live) == 100 && !req.force()) {
            run.progress().say("decision", "Already live: " + live + " runs " + source.image() + " at 100 %"
                    + source.contentNote() + ": unchanged");
            return machine.unchanged(s, liveTd.taskDefinitionArn());
        }
        if (liveDiffers != null && source.sameImages(liveTd)) {
            run.progress().say("decision", "Live " + live + " (" + TaskDefinitionSource.shortName(liveTd
                    .taskDefinitionArn()) + ") has the same images but is not the new version: " + liveDiffers);
        }
        if (alarms != null) {
            run.progress().changed("alarms", "alarms", "Alarms at start: " + alarms.summary(),
                    Map.of("states", alarms.states()));
            if (alarms.isFiring() && !req.ignoreAlarmsAtStart()) {
                s.phase = Phase.FAILED;
                s.reason = "refused to start: " + alarms.describeFiring();
                run.progress().say("decision", "Not starting: " + alarms.describeFiring()
                        + " (ignoreAlarmsAtStart: true to start anyway)");
                return machine.result(s);
            }
        }
        TaskDefinition standbyTd = startup(run, () -> describe(ecs,
                standbyService.taskDefinition()));
        String standbyDiffers = source.difference(standbyTd);
        if (standbyDiffers != null && source.sameImages(standbyTd) && !req.force()) {
            run.progress().say("decision", "Standby " + standby + " (" + TaskDefinitionSource.shortName(standbyTd
                    .taskDefinitionArn()) + ") has the same images but is not the new version, so no instant switch: "
                    + standbyDiffers);
        }
        if (standbyDiffers == null && !req.force()) {
            s.taskDefinitionArn = standbyTd.taskDefinitionArn();
            if (standbyService.desiredCount() >= desired) {
                s.instant = true;
                s.desiredCount = standbyService.desiredCount();
                s.phase = Phase.STANDBY;
                run.progress().say("decision", "Standby " + standby + " already runs " + source.image() + " ("
                        + TaskDefinitionSource.shortName(s.taskDefinitionArn) + ")" + source.contentNote()
                        + ": checking it, then switching traffic" + (req.bakeOnRollback() ? " (bakeOnRollback: with " + req.trafficShift().name()
                        + " and bake)" : " straight away"));
            } else {
                s.phase = Phase.UPDATE;
                run.progress().say("decision", "Standby " + standby + " already has "
                        + TaskDefinitionSource.shortName(s.taskDefinitionArn) + " but runs "
                        + standbyService.desiredCount() + " of " + desired + " tasks: scaling it up, no new "
                        + "registration");
            }
        } else {
            s.phase = source.needsRegistration() ? Phase.REGISTER : Phase.UPDATE;
            if (!source.needsRegistration()) {
                s.taskDefinitionArn = startup(run, source::findRegistered).taskDefinitionArn();
            }
        }
        s.deadline = now.plus(req.stableTimeout());
        s.standbyPollMs = STANDBY_FIRST_POLL.toMillis();
        if (run.isDryRun()) {
            return TaskDefinitionDiff.between(liveTd, source.newDefinition()).addTo(machine.plan(s), run.progress());
        }
        if (held == null) {
            // Planned from reads that are still the truth unless another run was met: then plan again under it.
            return underLease(req, run, lease(run, ecs, req, services, routeTags), null,
                    l -> l.undisturbedSince(readAt) ? machine.runToEnd(s, store, l) : run(input, run, l));
        }
        return machine.runToEnd(s, store, held);
    }

    // ---- issue 12: the deployment lease around every run that changes something

    /** The lease on what a deploy changes: the rule (or listener) and both services. */
    static DeploymentLease lease(StepRun run, EcsClient ecs, BlueGreenRequest req, Map<String, Service> services,
                                 ResourceTags routeTags) {
        return new DeploymentLease(run, req.blueService() + "/" + req.greenService(), List.of(routeTags,
                ResourceTags.ecs(ecs, services.get("blue").serviceArn(), "service " + req.blueService()),
                ResourceTags.ecs(ecs, services.get("green").serviceArn(), "service " + req.greenService())));
    }

    /**
     * Takes the lease (waiting up to lockTimeout), runs {@code body} holding it and releases it at the end, also
     * on failure, rollback and abort. Another deployment holding it all that time ends the run TIMED_OUT (exit 4)
     * naming it; nothing was changed.
     */
    static StepResult underLease(BlueGreenRequest req, StepRun run, DeploymentLease lease, String token,
                                 java.util.function.Function<DeploymentLease, StepResult> body) {
        try {
            lease.acquire(token, req.lockTimeout());
        } catch (DeploymentLease.TimeoutException e) {
            run.progress().say("decision", "Not starting: " + e.getMessage());
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("leaseOwner", e.holder().owner());
            f.put("leaseSince", e.holder().since().toString());
            f.put("rolledBack", false);
            f.put("reason", e.getMessage());
            return StepResult.of(Outcome.TIMED_OUT, "locked", e.getMessage(), f);
        } catch (dev.awsdeploy.run.StepFailedException e) {
            if (!run.abort().aborted()) {
                throw e;
            }
            lease.release();
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("rolledBack", false);
            f.put("reason", e.getMessage());
            return StepResult.of(Outcome.FAILED, "failed", e.getMessage(), f);
        }
        StepResult r;
        try {
            r = body.apply(lease);
        } catch (RuntimeException | Error e) {
            lease.release();
            throw e;
        }
        if (!r.isPending()) {
            lease.release();
            return r;
        }
        // Scheduled (CLI, plugin): the lease is held until the machine has finished, then released.
        return StepResult.pending(r.completion().whenComplete((done, thrown) -> lease.release()));
    }

    // Package access for CanaryPromotion (issue 12).
    StepRun stepRun() {
        return run;
    }

    BlueGreenRequest request() {
        return req;
    }

    TaskDefinitionSource source() {
        return source;
    }

    TrafficRoute route() {
        return route;
    }

    void calmPoll(Duration d) {
        calmPoll = d;
    }

    /** Resumes a saved deploy from what was read (see {@link #resume}), holding {@code held}. */
    StepResult resumeToEnd(BlueGreenState saved, Weights weights, dev.awsdeploy.run.StateStore<BlueGreenState> store,
                           DeploymentLease held) {
        run.progress().say("resume", "Resuming the " + req.action() + " of " + source.image() + " to "
                + saved.newColor + " at phase " + saved.phase + " (traffic now " + weights + ")");
        BlueGreenState s = resume(saved, weights);
        store.save(s); // what was read is now the truth the runner starts from
        return runToEnd(s, store, held);
    }

    /** Runs the machine holding {@code held} (its token goes into the state), then tidies the promotion record. */
    StepResult runToEnd(BlueGreenState s, dev.awsdeploy.run.StateStore<BlueGreenState> store, DeploymentLease held) {
        lease = held;
        s.leaseToken = held.token();
        // Saved before the first tick: a run killed inside it (e.g. mid-registration) is resumed as the lease's owner.
        store.save(s);
        return run.runner().then(this, s, store, end -> {
            if (end.phase == Phase.DONE || end.phase == Phase.ROLLED_BACK) {
                try {
                    PromotionRecord.clear(routeTags);
                } catch (SdkException e) {
                    run.progress().say("aws", "Could not remove the promotion record from " + routeTags.label()
                            + ": " + dev.awsdeploy.aws.AwsFailure.describe(e));
                }
            }
            return result(end);
        });
    }

    /** A read before the first tick, under the same transient-failure policy as every tick. */
    private static <T> T startup(StepRun run, java.util.function.Supplier<T> read) {
        return RetryPolicy.call(read, run.clock(), run.abort(),
                m -> run.progress().say("aws", "AWS call failed at start-up: " + m));
    }

    /**
     * How far the default poll may ease off: half the shortest period among the watched alarms (CloudWatch cannot
     * change a metric alarm's state between two evaluations of its period; a composite alarm's period is its
     * children's, see {@link AlarmGate#shortestPeriod}), at most 30 s, at least 5 s.
     */
    static Duration calmPoll(software.amazon.awssdk.services.cloudwatch.CloudWatchClient cw, List<String> names) {
        Duration alarms = AlarmGate.shortestPeriod(cw, names);
        long shortest = Math.min(CALM_POLL.toSeconds() * 2, alarms == null ? Long.MAX_VALUE : alarms.toSeconds());
        long half = Math.max(BlueGreenRequest.DEFAULT_POLL.toSeconds(), shortest / 2);
        return Duration.ofSeconds(Math.min(CALM_POLL.toSeconds(), half));
    }

    /** A password in a health URL's user info is a secret: redacted from everything the run prints or records. */
    static List<String> secretsOf(String url) {
        try {
            String info = java.net.URI.create(url).getUserInfo();
            if (info == null || !info.contains(":")) {
                return List.of();
            }
            return List.of(info.substring(info.indexOf(':') + 1));
        } catch (IllegalArgumentException e) {
            return List.of();
        }
    }

    /** The length of a trafficShift "minute": 60 s, unless a demo shortens it. */
    static Duration shiftMinute(StepRun run) {
        String v = run.env().get("AWS_DEPLOY_SHIFT_MINUTE");
        if (v == null || v.isBlank()) {
            return Duration.ofMinutes(1);
        }
        Duration d = Durations.parse(v.trim());
        if (d == null || d.isZero() || d.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new BadInputException("AWS_DEPLOY_SHIFT_MINUTE", v, "is not a duration between 1ms and 1m",
                    "unset it (it only shortens trafficShift and bakeTime minutes for demos), or set e.g. 10s");
        }
        return d;
    }

    private static Map<String, Service> services(EcsClient ecs, BlueGreenRequest req) {
        DescribeServicesResponse r;
        try {
            r = ecs.describeServices(b -> b.cluster(req.cluster()).services(req.blueService(), req.greenService()));
        } catch (ClusterNotFoundException e) {
            throw new BadInputException("cluster", req.cluster(), "no such ECS cluster in this account and region",
                    "check the name with `aws ecs list-clusters`");
        }
        Map<String, Service> byColor = new LinkedHashMap<>();
        for (String color : List.of("blue", "green")) {
            String name = req.service(color);
            Service found = r.services().stream().filter(x -> name.equals(x.serviceName())
                    && !"INACTIVE".equals(x.status())).findFirst().orElse(null);
            if (found == null) {
                boolean viaBase = req.blueService().endsWith("-blue") && req.greenService().endsWith("-green");
                throw new BadInputException(viaBase && name.endsWith("-" + color) ? "service" : color + "Service",
                        name, "no such active service in cluster " + req.cluster(),
                        "create the " + color + " service first, or correct the name (`aws ecs list-services "
                                + "--cluster " + req.cluster() + "`)");
            }
            byColor.put(color, found);
        }
        return byColor;
    }

    private static String targetGroup(Service s, String param) {
        var tgs = s.loadBalancers().stream().map(lb -> lb.targetGroupArn()).filter(t -> t != null).distinct()
                .toList();
        if (tgs.size() != 1) {
            throw new BadInputException(param, s.serviceName(), tgs.isEmpty() ? "is not behind a load balancer "
                    + "target group" : "is in " + tgs.size() + " target groups",
                    "create the service with exactly one loadBalancers entry (its colour's target group)");
        }
        return tgs.get(0);
    }

    static TaskDefinition describe(EcsClient ecs, String arn) {
        return ecs.describeTaskDefinition(b -> b.taskDefinition(arn)).taskDefinition();
    }

    static String other(String color) {
        return "blue".equals(color) ? "green" : "blue";
    }

    private Instant now() {
        return run.clock().now();
    }

    /**
     * A resumed run takes the truth from what it read, never from what the previous run believed: the weight on
     * the new colour decides whether traffic has moved; a hold or bake watches its remaining time again from now
     * (nobody watched while no process ran, and CloudWatch's alarm history of the gap is not read).
     */
    BlueGreenState resume(BlueGreenState saved, Weights weights) {
        BlueGreenState n = saved.copy();
        int onNew = weights.of(saved.newColor);
        resumeNote = " (this run resumed a deploy stopped in " + saved.phase + "; before that, " + history(saved,
                weights) + ")";
        n.newPercent = onNew;
        // A pending intent is written by the next tick: from then on traffic may move.
        n.trafficTouched = onNew > 0 || saved.phase == Phase.ROLLBACK
                || saved.phase == Phase.SHIFT && saved.intent != null;
        n.errors = 0;
        if (saved.phase == Phase.SHIFT && saved.intent != null) {
            run.progress().say("resume", "The previous run was about to set " + saved.newColor + " to "
                    + saved.intent + " %; the rule shows " + weights + ": checking the targets, then writing it"
                    + " (again)");
        }
        if ((saved.phase == Phase.HOLD || saved.phase == Phase.BAKE) && onNew != saved.newPercent) {
            run.progress().say("resume", "The rule shows " + weights + ", not the " + saved.newPercent + " % the "
                    + "previous run had set: checking the targets, then setting this step again");
            BlueGreenState again = n.to(Phase.SHIFT, now());
            again.intent = null;
            return again;
        }
        if (saved.phase == Phase.HOLD || saved.phase == Phase.BAKE) {
            Instant watchedUntil = saved.lastLookAt != null ? saved.lastLookAt : saved.phaseStartedAt;
            Duration remaining = saved.deadline == null || watchedUntil == null ? Duration.ZERO
                    : Duration.between(watchedUntil, saved.deadline);
            if (remaining.isNegative()) {
                remaining = Duration.ZERO;
            }
            Duration gap = watchedUntil == null ? Duration.ZERO : Duration.between(watchedUntil, now());
            n.deadline = now().plus(remaining);
            n.shiftedAt = now(); // look often again, as right after a change
            n.lastLookAt = now();
            run.progress().say("resume", (saved.phase == Phase.BAKE ? "Bake" : "Hold at " + saved.newPercent + " %")
                    + ": nothing was watched for " + Durations.format(gap.isNegative() ? Duration.ZERO : gap)
                    + " while no process ran; the remaining " + Durations.format(remaining) + " restarts from now"
                    + " (the alarm history of the gap is not read)");
        }
        return n;
    }

    private String history(BlueGreenState s, Weights weights) {
        List<String> done = new java.util.ArrayList<>();
        if (s.taskDefinitionArn != null) {
            done.add("the previous run had registered or found " + TaskDefinitionSource.shortName(s.taskDefinitionArn));
        }
        if (s.phase != Phase.REGISTER && s.phase != Phase.UPDATE) {
            done.add("set " + req.service(s.newColor) + " to it");
        }
        int onNew = weights.of(s.newColor);
        done.add(onNew > 0 ? "traffic read on resume: " + weights : "no traffic had moved to " + s.newColor
                + " (read on resume)");
        return String.join(", ", done);
    }

    // ---------------------------------------------------------------- the machine

    /**
     * One bounded piece of work; never sleeps. A failed AWS call is tried again per {@link RetryPolicy} by
     * returning a later wake-up time; any other failure inside a tick still ends with traffic on a healthy
     * colour.
     */
    @Override
    public Tick<BlueGreenState> tick(BlueGreenState s) {
        try {
            // issue 12: keep the lease alive; a run whose lease was taken over stops without changing anything.
            if (lease != null && !s.finished()) {
                try {
                    lease.renewIfDue();
                } catch (DeploymentLease.LostException e) {
                    return fail(s, e.getMessage() + " (traffic left as it is: " + route.read() + ")");
                }
            }
            Tick<BlueGreenState> t = step(s);
            if (t.state().errors == s.errors) {
                t.state().errors = 0; // a tick that went through ends a run of failures
            }
            return t;
        } catch (SdkException e) {
            return awsFailed(s, e);
        } catch (BadInputException | dev.awsdeploy.run.StepFailedException e) {
            if (s.phase == Phase.ROLLBACK) {
                return rollbackFailed(s, e.getMessage());
            }
            return rollbackOrFail(s, e.getMessage());
        }
    }

    /** The transient-failure policy, the same in every phase: try again later, or give up safely. */
    private Tick<BlueGreenState> awsFailed(BlueGreenState s, SdkException e) {
        BlueGreenState n = s.copy();
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
            return rollbackFailed(n, what);
        }
        if (s.phase == Phase.FINISH) {
            // Traffic is on the new colour, verified; only scaling the old one down failed.
            run.progress().say("decision", "Not scaling down the old colour: " + what);
            return finished(n, " (scaleDownStandby failed: " + what + "; scale " + req.service(s.oldColor)
                    + " down yourself)");
        }
        return rollbackOrFail(n, reason);
    }

    private Tick<BlueGreenState> step(BlueGreenState s) {
        return switch (s.phase) {
            case REGISTER -> register(s);
            case UPDATE -> update(s);
            case STANDBY -> standby(s);
            case HEALTH_URL -> healthUrl(s);
            case SHIFT -> shift(s);
            case HOLD, BAKE -> watch(s);
            case FINISH -> finish(s);
            case ROLLBACK -> rollback(s);
            case AWAIT -> CanaryPromotion.await(this, s);
            case DONE, ROLLED_BACK, FAILED, AWAITING_PROMOTION -> Tick.done(s);
        };
    }

    /** Registers once: the ARN is persisted before anything else happens; a resumed run finds it instead. */
    private Tick<BlueGreenState> register(BlueGreenState s) {
        BlueGreenState n = s.to(Phase.UPDATE, now());
        n.taskDefinitionArn = source.registerOnce(run.progress());
        return Tick.wakeAt(n, now());
    }

    private Tick<BlueGreenState> update(BlueGreenState s) {
        String service = req.service(s.newColor);
        Service current = describeService(service);
        BlueGreenState n = s.to(Phase.STANDBY, now());
        if (s.taskDefinitionArn.equals(current.taskDefinition()) && current.desiredCount() == s.desiredCount) {
            run.progress().say("standby", "Standby " + service + " already set to "
                    + TaskDefinitionSource.shortName(s.taskDefinitionArn) + " x" + s.desiredCount);
        } else {
            ecs.updateService(b -> b.cluster(req.cluster()).service(service).taskDefinition(s.taskDefinitionArn)
                    .desiredCount(s.desiredCount));
            run.progress().action("UpdateService", service, "Updating standby " + service + " to "
                    + TaskDefinitionSource.shortName(s.taskDefinitionArn) + ", " + s.desiredCount + " tasks");
        }
        n.deadline = now().plus(req.stableTimeout());
        n.standbyPollMs = STANDBY_FIRST_POLL.toMillis();
        return Tick.wakeAt(n, now());
    }

    private Service describeService(String name) {
        List<Service> found = ecs.describeServices(b -> b.cluster(req.cluster()).services(name)).services();
        if (found.isEmpty()) {
            throw new dev.awsdeploy.run.StepFailedException("service " + name + " disappeared from cluster "
                    + req.cluster());
        }
        return found.get(0);
    }

    private Tick<BlueGreenState> standby(BlueGreenState s) {
        String service = req.service(s.newColor);
        StandbyHealth.Rollout r = StandbyHealth.rollout(describeService(service), s.taskDefinitionArn);
        run.progress().changed("standby", "standby", "Standby " + r.message(),
                Map.of("running", r.running(), "desired", r.desired()));
        if (r.verdict() == Verdict.FAILED) {
            return rollbackOrFail(s, r.message());
        }
        String waitingFor = r.message();
        if (r.verdict() == Verdict.READY) {
            StandbyHealth.Targets t = StandbyHealth.targets(elb, groups.get(s.newColor), r.desired());
            BlueGreenState n = s.copy();
            n.targetsCheckedAt = now();
            run.progress().changed("targets", "targets", "Standby " + t.message(),
                    Map.of("healthy", t.healthy(), "total", t.total()));
            if (t.verdict() == Verdict.READY) {
                if (req.healthCheckUrls().isEmpty()) {
                    return startShift(n);
                }
                return Tick.wakeAt(n.to(Phase.HEALTH_URL, now()), now());
            }
            waitingFor = t.message();
        }
        if (!now().isBefore(s.deadline)) {
            return rollbackOrFail(s, "standby " + service + " did not become ready within "
                    + Durations.format(req.stableTimeout()) + " (stableTimeout): " + waitingFor);
        }
        BlueGreenState n = s.copy();
        n.standbyPollMs = Math.min(s.standbyPollMs * 2, STANDBY_MAX_POLL.toMillis());
        return Tick.wakeAt(n, min(now().plusMillis(s.standbyPollMs), s.deadline));
    }

    private Tick<BlueGreenState> healthUrl(BlueGreenState s) {
        String url = req.healthCheckUrls().get(s.newColor);
        String problem = StandbyHealth.probe(url);
        BlueGreenState n = s.copy();
        n.tries = s.tries + 1;
        if (problem == null) {
            run.progress().say("health", "Health URL ok: " + url, Map.of("url", url, "ok", true));
            return startShift(n);
        }
        run.progress().changed("url", "health", "Health URL " + url + " " + problem + " (try " + n.tries + "/"
                + req.healthCheckRetries() + ")", Map.of("url", url, "ok", false));
        if (n.tries >= req.healthCheckRetries()) {
            return rollbackOrFail(n, "health URL " + url + " " + problem + " after " + n.tries + " tries");
        }
        return Tick.wakeAt(n, now().plus(req.healthCheckInterval()));
    }

    private List<TrafficShift.Step> steps(BlueGreenState s) {
        if (s.instant && !req.bakeOnRollback()) {
            return TrafficShift.ALL_AT_ONCE.steps();
        }
        return req.trafficShift().steps();
    }

    private Tick<BlueGreenState> startShift(BlueGreenState s) {
        BlueGreenState n = s.to(Phase.SHIFT, now());
        n.step = 0;
        n.intent = null;
        return Tick.wakeAt(n, now());
    }

    /**
     * One traffic step in two ticks: first verify the new colour's targets (a reading at most
     * {@link #FRESH_TARGETS} old) and save the weights about to be written; then write them and read them back.
     * A run killed between the write and the next save thus always knows that traffic may have moved.
     */
    private Tick<BlueGreenState> shift(BlueGreenState s) {
        TrafficShift.Step step = steps(s).get(s.step);
        BlueGreenState n = s.copy();
        // Verified healthy just now (the standby check) counts; otherwise read the targets again.
        if (s.targetsCheckedAt == null || now().isAfter(s.targetsCheckedAt.plus(FRESH_TARGETS))) {
            StandbyHealth.Targets t = StandbyHealth.targets(elb, groups.get(s.newColor), s.desiredCount);
            n.targetsCheckedAt = now();
            if (t.verdict() != Verdict.READY) {
                return rollbackOrFail(n, "before moving traffic to " + step.percent() + " %: " + t.message());
            }
        }
        Weights intended = Weights.split(s.newColor, step.percent());
        if (s.intent == null || s.intent != step.percent()) {
            n.intent = step.percent();
            n.trafficTouched = true;
            return Tick.wakeAt(n, now());
        }
        Weights seen = route.write(intended);
        if (!seen.equals(intended)) {
            run.progress().say("decision", route.operation() + " read back " + seen + " instead of " + intended);
            n.newPercent = seen.of(s.newColor);
            return rollbackOrFail(n, "AWS shows " + seen + " after " + route.operation() + " to " + intended);
        }
        n.intent = null;
        n.newPercent = step.percent();
        n.shiftedAt = now();
        n.lastLookAt = now();
        run.progress().action(route.operation(), route.arn(), "Traffic: " + s.newColor + " " + step.percent()
                + " %, " + s.oldColor + " " + (100 - step.percent()) + " % (read back)",
                Map.of("weights", Map.of(s.newColor, step.percent(), s.oldColor, 100 - step.percent())));
        if (step.percent() < 100) {
            BlueGreenState h = n.to(Phase.HOLD, now());
            h.deadline = now().plus(step.hold());
            run.progress().say("phase", "Holding " + step.percent() + " % for " + Durations.format(step.hold())
                    + watching());
            return Tick.wakeAt(h, now().plus(interval(h)));
        }
        if (s.instant && !req.bakeOnRollback() || req.bakeTime().isZero()) {
            return Tick.wakeAt(n.to(Phase.FINISH, now()), now());
        }
        BlueGreenState b = n.to(Phase.BAKE, now());
        b.deadline = now().plus(req.bakeTime());
        run.progress().say("phase", "Bake: " + s.newColor + " at 100 % for " + Durations.format(req.bakeTime())
                + watching());
        return Tick.wakeAt(b, min(now().plus(interval(b)), b.deadline));
    }

    private String watching() {
        StringBuilder w = new StringBuilder();
        if (gate != null) {
            w.append(" watching ").append(String.join(", ", gate.names()));
        }
        if (!req.healthCheckUrls().isEmpty()) {
            w.append(w.length() == 0 ? " watching" : " and").append(" the health URL");
        }
        return w.toString();
    }

    /**
     * The time to the next look while traffic is on the new colour. An explicit pollInterval is honoured exactly.
     * The default looks every 5 s right after a traffic change — when a bad version shows itself — and eases to
     * half the shortest watched alarm period (30 s for one-minute alarms) while nothing changes, so a long bake
     * costs few reads without reacting later than CloudWatch itself can change its mind.
     */
    Duration interval(BlueGreenState s) {
        if (req.pollInterval() != null) {
            return req.pollInterval();
        }
        Duration since = s.shiftedAt == null ? Duration.ZERO : Duration.between(s.shiftedAt, now());
        Duration eased = since.dividedBy(2);
        if (eased.compareTo(BlueGreenRequest.DEFAULT_POLL) < 0) {
            return BlueGreenRequest.DEFAULT_POLL;
        }
        return eased.compareTo(calmPoll) > 0 ? calmPoll : eased.withNanos(0);
    }

    /** A look during a hold or the bake: alarms (one call), health URL, target health now and then. */
    private Tick<BlueGreenState> watch(BlueGreenState s) {
        BlueGreenState n = s.copy();
        if (gate != null) {
            AlarmGate.Reading r = gate.read("alarms");
            run.progress().changed("alarms", "alarms", (s.phase == Phase.BAKE ? "Bake" : "Hold at " + s.newPercent
                    + " %") + ": alarms " + r.summary(), Map.of("states", r.states()));
            if (r.isFiring()) {
                return rollbackOrFail(n, r.describeFiring());
            }
        }
        if (!req.healthCheckUrls().isEmpty()) {
            String url = req.healthCheckUrls().get(s.newColor);
            String problem = StandbyHealth.probe(url);
            if (problem == null) {
                n.failures = 0;
            } else {
                n.failures = s.failures + 1;
                run.progress().say("health", "Health URL " + url + " " + problem + " (" + n.failures + " in a row)",
                        Map.of("url", url, "ok", false));
                if (n.failures >= URL_FAILURES_TO_ROLL_BACK) {
                    return rollbackOrFail(n, "health URL " + url + " " + problem + " " + n.failures + " times in a "
                            + "row");
                }
            }
        }
        if (s.targetsCheckedAt == null || !now().isBefore(s.targetsCheckedAt.plus(TARGETS_EVERY))) {
            StandbyHealth.Targets t = StandbyHealth.targets(elb, groups.get(s.newColor), s.desiredCount);
            n.targetsCheckedAt = now();
            if (t.verdict() != Verdict.READY) {
                return rollbackOrFail(n, "new colour " + t.message());
            }
        }
        n.lastLookAt = now();
        if (!now().isBefore(s.deadline)) {
            if (s.phase == Phase.BAKE) {
                run.progress().say("phase", "Bake passed" + (gate == null ? "" : ": no alarm fired"));
                return Tick.wakeAt(n.to(Phase.FINISH, now()), now());
            }
            if (req.awaitPromotion() && s.step == 0) {
                // issue 12: the first increment is live, verified and held: record it, then end the run.
                return Tick.wakeAt(n.to(Phase.AWAIT, now()), now());
            }
            BlueGreenState next = n.to(Phase.SHIFT, now());
            next.step = s.step + 1;
            next.intent = null;
            return Tick.wakeAt(next, now());
        }
        return Tick.wakeAt(n, min(now().plus(interval(n)), s.deadline));
    }

    private Tick<BlueGreenState> finish(BlueGreenState s) {
        // issue 12: success only once the live state was read again and is what this run deployed.
        String wrong;
        try {
            wrong = FinalCheck.problem(ecs, route, req, s);
        } catch (SdkException e) {
            // Not the scale-down's failure (awsFailed's FINISH case): no success without the check.
            BlueGreenState n = s.copy();
            n.errors = s.errors + 1;
            if (RetryPolicy.tryAgain(e, n.errors)) {
                run.progress().say("aws", "AWS call failed during the final check (" + n.errors + " in a row): "
                        + AwsFailure.describe(e));
                return Tick.wakeAt(n, now().plus(RetryPolicy.backoff(n.errors)));
            }
            return rollbackOrFail(n, "final check: AWS failed: " + AwsFailure.describe(e));
        }
        if (wrong != null) {
            run.progress().say("decision", "Final check failed: " + wrong);
            return rollbackOrFail(s, "final check: " + wrong);
        }
        run.progress().say("verified", "Final check: " + req.service(s.newColor) + " runs "
                + TaskDefinitionSource.shortName(s.taskDefinitionArn) + " (primary deployment) and "
                + (req.usesRule() ? "the rule" : "the listener") + " sends it 100 % (read just now)");
        if (req.scaleDownStandby()) {
            String old = req.service(s.oldColor);
            ecs.updateService(b -> b.cluster(req.cluster()).service(old).desiredCount(0));
            run.progress().action("UpdateService", old, "Scaled the old colour " + old + " to 0 tasks "
                    + "(scaleDownStandby)");
        }
        return finished(s, "");
    }

    private Tick<BlueGreenState> finished(BlueGreenState s, String note) {
        BlueGreenState n = s.to(Phase.DONE, now());
        run.progress().say("done", "Done: " + s.newColor + " (" + req.service(s.newColor) + ", "
                + TaskDefinitionSource.shortName(s.taskDefinitionArn) + ") serves 100 %, verified; " + s.oldColor
                + (req.scaleDownStandby() && note.isEmpty() ? " scaled down" : " kept as standby for an instant "
                + "rollback") + note);
        return Tick.done(n);
    }

    /**
     * The end of every failure: when traffic may have moved, save the intent to put it all back on the old colour
     * (written by the next tick); otherwise fail, saying that traffic was not moved (which is then what was read).
     */
    private Tick<BlueGreenState> rollbackOrFail(BlueGreenState s, String reason) {
        if (!s.trafficTouched) {
            return fail(s, reason + "; traffic was not moved");
        }
        run.progress().say("decision", "Rolling back: " + reason);
        BlueGreenState n = s.to(Phase.ROLLBACK, now());
        n.reason = reason + resumeNote;
        n.intent = 0;
        n.errors = 0;
        return Tick.wakeAt(n, now());
    }

    private Tick<BlueGreenState> fail(BlueGreenState s, String reason) {
        run.progress().say("decision", "Failed: " + reason + resumeNote);
        BlueGreenState n = s.to(Phase.FAILED, now());
        n.reason = reason + resumeNote;
        return Tick.done(n);
    }

    /** Puts 100 % back on the old colour and reads it back; a failure is tried again per the policy. */
    private Tick<BlueGreenState> rollback(BlueGreenState s) {
        Weights back = Weights.allOn(s.oldColor);
        Weights seen = route.write(back);
        BlueGreenState n = s.copy();
        if (seen.equals(back)) {
            n.newPercent = 0;
            n.intent = null;
            run.progress().action(route.operation(), route.arn(), "Rolled back: " + s.oldColor
                    + " 100 % (read back)", Map.of("weights", Map.of(s.oldColor, 100, s.newColor, 0)));
            return Tick.done(n.to(Phase.ROLLED_BACK, now()));
        }
        n.errors = s.errors + 1;
        n.newPercent = seen.of(s.newColor);
        String problem = "AWS shows " + seen + " after " + route.operation() + " to " + back;
        run.progress().say("decision", "Putting traffic back failed (" + n.errors + " in a row): " + problem);
        if (n.errors >= RetryPolicy.MAX_FAILURES) {
            return rollbackFailed(n, problem);
        }
        return Tick.wakeAt(n, now().plus(RetryPolicy.backoff(n.errors)));
    }

    /**
     * Traffic could not be put back: read what is live (if AWS answers) and say exactly that, and the command
     * that puts it back.
     */
    private Tick<BlueGreenState> rollbackFailed(BlueGreenState s, String problem) {
        BlueGreenState n = s.to(Phase.FAILED, now());
        String live;
        try {
            Weights w = route.read();
            n.newPercent = w.of(s.newColor);
            live = w.toString();
        } catch (RuntimeException e) {
            n.newPercent = -1;
            live = "unknown (the rule cannot be read: " + AwsFailure.describe(e) + ")";
        }
        n.reason = (s.reason == null ? "" : s.reason + "; and ") + "traffic could not be put back on " + s.oldColor
                + ": " + problem + ". Live now: " + live + ". Put it back with: "
                + route.command(Weights.allOn(s.oldColor));
        run.progress().say("decision", "Failed: " + n.reason);
        return Tick.done(n);
    }

    @Override
    public BlueGreenState abort(BlueGreenState s, String reason) {
        if (s.finished() || s.phase == Phase.FINISH) {
            return s;
        }
        String why = "aborted (" + reason + ")";
        run.progress().say("decision", "Abort: " + reason);
        if (!s.trafficTouched) {
            BlueGreenState n = s.to(Phase.FAILED, now());
            n.reason = why + "; traffic was not moved" + resumeNote;
            return n;
        }
        BlueGreenState n = s.phase == Phase.ROLLBACK ? s.copy() : s.to(Phase.ROLLBACK, now());
        n.reason = s.phase == Phase.ROLLBACK ? s.reason : why + resumeNote;
        n.errors = 0;
        // Aborting means now: the policy's tries back to back (each with the SDK's own attempts), no waiting.
        String problem = null;
        for (int i = 0; i < RetryPolicy.MAX_FAILURES; i++) {
            try {
                Tick<BlueGreenState> t = rollback(n);
                n = t.state();
                if (t.done()) {
                    return n;
                }
                problem = null;
            } catch (SdkException e) {
                n.errors++;
                problem = AwsFailure.describe(e);
                run.progress().say("decision", "Putting traffic back failed (" + n.errors + " in a row): " + problem);
            }
        }
        return rollbackFailed(n, problem != null ? problem : "AWS kept showing traffic on " + n.newColor).state();
    }
    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    // ---------------------------------------------------------------- results

    StepResult unchanged(BlueGreenState s, String arn) {
        Map<String, Object> f = fields(s, s.oldColor, arn, false, null);
        return StepResult.of(Outcome.SUCCEEDED, "unchanged", s.oldColor + " already serves " + source.image()
                + " at 100 %: nothing to do", f);
    }

    StepResult plan(BlueGreenState s) {
        Map<String, Object> f = fields(s, s.oldColor, s.taskDefinitionArn, false, null);
        f.put("dryRun", true);
        f.put("plan", s.instant ? "switch traffic to " + s.newColor + " (already runs the version)"
                : (s.phase == Phase.REGISTER ? "register a task definition with " + source.image() + ", " : "")
                + "update " + req.service(s.newColor) + " to " + s.desiredCount + " tasks, wait until healthy, shift "
                + req.trafficShift().name() + ", bake " + Durations.format(req.bakeTime()));
        return StepResult.of(Outcome.SUCCEEDED, "would-deploy", "dry run: would deploy " + source.image() + " to "
                + s.newColor, f);
    }

    Map<String, Object> fields(BlueGreenState s, String live, String arn, boolean rolledBack, String reason) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("liveColor", live);
        f.put("previousColor", s.oldColor);
        f.put("liveService", req.service(live));
        f.put("taskDefinitionArn", arn);
        f.put("image", source.image());
        f.put("trafficShift", s.instant && !req.bakeOnRollback() ? "AllAtOnce (instant switch)"
                : req.trafficShift().name());
        f.put("rolledBack", rolledBack);
        f.put("reason", reason);
        Map<String, Object> timings = new LinkedHashMap<>();
        s.timings.forEach((k, v) -> timings.put(k, Math.round(v / 100.0) / 10.0));
        f.put("timings", timings);
        return f;
    }

    StepResult result(BlueGreenState s) {
        return switch (s.phase) {
            case DONE -> {
                run.record().after("traffic", Map.of(s.newColor, 100, s.oldColor, 0));
                yield StepResult.of(Outcome.SUCCEEDED, s.instant ? "switched" : "deployed", s.newColor + " ("
                        + req.service(s.newColor) + ") serves " + source.image() + " at 100 %" + (s.instant
                        ? " (switched to the standby that already ran it)" : ""),
                        fields(s, s.newColor, s.taskDefinitionArn, false, null));
            }
            case AWAITING_PROMOTION -> CanaryPromotion.awaitingResult(this, s);
            case ROLLED_BACK -> {
                run.record().after("traffic", Map.of(s.oldColor, 100, s.newColor, 0));
                Map<String, Object> f = fields(s, s.oldColor, s.taskDefinitionArn, true, s.reason);
                if (resumeNote.length() > 0) {
                    f.put("resumed", true);
                }
                yield StepResult.of(Outcome.FAILED, "rolled-back", "rolled back to " + s.oldColor + " (100 %): "
                        + s.reason, f);
            }
            default -> {
                // FAILED is also where a run ends that could not put traffic back: then say what is live.
                boolean safe = !s.trafficTouched || s.newPercent == 0;
                String live = safe ? s.oldColor : s.newPercent == 100 ? s.newColor : null;
                Map<String, Object> f = fields(s, live, s.taskDefinitionArn, false, s.reason);
                if (resumeNote.length() > 0) {
                    f.put("resumed", true);
                }
                if (!safe) {
                    f.put("traffic", s.newPercent < 0 ? "unknown" : Weights.split(s.newColor, s.newPercent)
                            .toString());
                }
                yield StepResult.of(safe ? Outcome.FAILED : Outcome.ERROR, safe ? "failed" : "traffic-not-restored",
                        s.reason, f);
            }
        };
    }
}
