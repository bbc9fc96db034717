package dev.awsdeploy.ecs;

import dev.awsdeploy.aws.AwsContext;
import dev.awsdeploy.cloudwatch.AlarmGate;
import dev.awsdeploy.cloudwatch.CloudWatch;
import dev.awsdeploy.ecs.BlueGreenState.Phase;
import dev.awsdeploy.ecs.StandbyHealth.Verdict;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.run.BadInputException;
import dev.awsdeploy.run.Durations;
import dev.awsdeploy.run.Outcome;
import dev.awsdeploy.run.StepMachine.Tick;
import dev.awsdeploy.run.StepResult;
import dev.awsdeploy.run.StepRun;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;

/**
 * Manual promotion of a canary (two-service mode). {@code awaitPromotion: true} ends a deploy once the first
 * increment is live, verified and held, leaving a {@link PromotionRecord} on the rule; {@code action: 'promote'}
 * continues that deployment from the record (the rest of the shift, the bake, rollback on ALARM), {@code action:
 * 'abort'} puts 100 % back on the old colour. Both find the deployment in AWS, so they work from another stage,
 * agent, controller or build.
 */
final class CanaryPromotion {
    private CanaryPromotion() {
    }

    // ---------------------------------------------------------------- the end of an awaitPromotion deploy

    /** The AWAIT tick: write the record and read it back, then end the run with the canary live. */
    static Tick<BlueGreenState> await(EcsBlueGreen m, BlueGreenState s) {
        StepRun run = m.stepRun();
        Instant now = run.clock().now();
        String owner = m.lease != null ? m.lease.owner() : DeploymentLease.owner(run.env());
        PromotionRecord r = new PromotionRecord(PromotionRecord.AWAITING, s.newColor, s.oldColor, s.newPercent,
                s.step + 1, m.request().trafficShift().name(), now, s.taskDefinitionArn, m.source().image(), owner,
                m.request().alarms());
        r.write(m.routeTags);
        run.progress().action("AddTags", m.request().routeArn(), "Promotion record written on "
                + m.routeTags.label() + " (read back): " + r.describe());
        run.progress().say("phase", "Awaiting promotion: " + s.newColor + " serves " + s.newPercent + " %; from "
                + "now on nothing but AWS watches the canary until it is promoted (action: 'promote') or aborted "
                + "(action: 'abort')");
        return Tick.done(s.to(Phase.AWAITING_PROMOTION, now));
    }

    static StepResult awaitingResult(EcsBlueGreen m, BlueGreenState s) {
        BlueGreenRequest req = m.request();
        m.stepRun().record().after("traffic", Map.of(s.newColor, s.newPercent, s.oldColor, 100 - s.newPercent));
        Map<String, Object> f = m.fields(s, s.oldColor, s.taskDefinitionArn, false, null);
        f.put("canaryColor", s.newColor);
        f.put("canaryPercent", s.newPercent);
        return StepResult.of(Outcome.SUCCEEDED, PromotionRecord.AWAITING, "canary live: " + s.newColor + " ("
                + req.service(s.newColor) + ") serves " + m.source().image() + " to " + s.newPercent + " % of "
                + "traffic, verified and held; it is now watched by nothing but AWS (no alarm acts on it) until it "
                + "is promoted (action: 'promote') or aborted (action: 'abort')", f);
    }

    // ---------------------------------------------------------------- promote and abort

    /**
     * {@code action: 'promote'} or {@code 'abort'}: reads the record and the rule, checks them (bad input when
     * nothing awaits promotion, naming what is live), then acts under the deployment lease.
     */
    static StepResult run(BlueGreenRequest req, StepRun run, AwsContext aws, EcsClient ecs,
                          ElasticLoadBalancingV2Client elb, ResourceTags routeTags, Map<String, Service> services,
                          Map<String, String> groups, DeploymentLease held,
                          java.util.function.Function<DeploymentLease, StepResult> again) {
        TrafficRoute route = new TrafficRoute(elb, req.routeParam(), req.routeArn(), req.usesRule(), groups);
        var store = run.stateStore(BlueGreenState.class, req.fingerprint());
        var resumed = store.load();
        PromotionRecord rec = PromotionRecord.read(routeTags);
        Weights weights = route.read();
        if (resumed.isEmpty() && (rec == null || !rec.usable())) {
            throw new BadInputException("action", req.action(), "nothing awaits promotion on " + req.routeParam()
                    + " " + req.routeArn() + ": " + live(req, weights, services),
                    "start a canary with awaitPromotion: true first; to deploy a version use action: 'deploy'");
        }
        if (resumed.isEmpty()) {
            String given = req.image() != null ? req.image() : req.taskDefinition();
            String recorded = req.image() != null ? rec.image() : rec.taskDefinitionArn();
            if (given != null && !given.equals(recorded) && !(req.taskDefinition() != null && recorded != null
                    && TaskDefinitionSource.shortName(recorded).equals(req.taskDefinition()))) {
                throw new BadInputException(req.image() != null ? "image" : "taskDefinition", given, "is not the "
                        + "canary that awaits promotion: " + rec.describe(), "leave it out (the record names the "
                        + "version), or give " + recorded);
            }
        }
        String tdArn = resumed.isPresent() ? resumed.get().taskDefinitionArn : rec.taskDefinitionArn();
        TrafficShift shift = resumed.isPresent() ? req.trafficShift() : TrafficShift.parse(rec.trafficShift(),
                EcsBlueGreen.shiftMinute(run));
        BlueGreenRequest canary = req.forCanary(tdArn, shift, resumed.isPresent() ? List.of() : rec.alarms());
        AlarmGate gate = canary.alarms().isEmpty() ? null : new AlarmGate(CloudWatch.client(aws), canary.alarms(),
                AlarmGate.InsufficientData.OK);
        TaskDefinitionSource source = new TaskDefinitionSource(ecs, canary);
        source.prepare(null);
        EcsBlueGreen machine = new EcsBlueGreen(run, canary, ecs, elb, route, gate, source, groups);
        machine.routeTags = routeTags;
        if (gate != null && req.pollInterval() == null) {
            machine.calmPoll(EcsBlueGreen.calmPoll(CloudWatch.client(aws), canary.alarms()));
        }
        if (run.isDryRun()) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("dryRun", true);
            f.put("plan", BlueGreenRequest.PROMOTE.equals(req.action()) ? "promote " + rec.describe()
                    + ": continue " + rec.trafficShift() + ", bake " + Durations.format(req.bakeTime())
                    : "abort " + rec.describe() + ": 100 % back on " + rec.oldColor());
            return StepResult.of(Outcome.SUCCEEDED, "would-" + req.action(), "dry run: would " + req.action() + " "
                    + rec.describe(), f);
        }
        if (held == null) {
            return EcsBlueGreen.underLease(req, run, EcsBlueGreen.lease(run, ecs, req, services, routeTags),
                    resumed.map(x -> x.leaseToken).orElse(null), again);
        }
        if (resumed.isPresent()) {
            // The truth is read from AWS, as for a resumed deploy.
            return named(req, machine.resumeToEnd(resumed.get(), weights, store, held));
        }

        Instant now = run.clock().now();
        BlueGreenState s = new BlueGreenState();
        s.oldColor = rec.oldColor();
        s.newColor = rec.newColor();
        s.taskDefinitionArn = tdArn;
        s.desiredCount = services.get(rec.newColor()).desiredCount();
        s.newPercent = weights.of(rec.newColor());
        s.trafficTouched = true;
        s.step = rec.nextStep();
        s.phaseStartedAt = now;
        s.shiftedAt = now;
        s.deadline = now;
        s.standbyPollMs = EcsBlueGreen.STANDBY_FIRST_POLL.toMillis();
        run.record().before("traffic", Map.of("blue", weights.blue(), "green", weights.green()));
        run.record().before("canary", rec.describe());
        run.progress().say("plan", "Found " + rec.describe() + "; rule now " + weights);

        if (BlueGreenRequest.ABORT.equals(req.action())) {
            s.phase = Phase.ROLLBACK;
            s.intent = 0;
            s.reason = "aborted (action: abort) " + rec.describe();
            run.progress().say("decision", "Aborting the canary: 100 % back on " + s.oldColor);
            return named(req, machine.runToEnd(s, store, held));
        }
        String problem = promotionProblem(req, ecs, rec, weights, gate, services);
        if (problem != null) {
            if (s.newPercent == 0) {
                s.phase = Phase.FAILED;
                s.reason = "refused to promote: " + problem + "; no traffic is on " + s.newColor;
                run.progress().say("decision", "Failed: " + s.reason);
                return machine.runToEnd(s, store, held);
            }
            s.phase = Phase.ROLLBACK;
            s.intent = 0;
            s.reason = "refused to promote: " + problem;
            run.progress().say("decision", "Not promoting, rolling back: " + problem);
            return machine.runToEnd(s, store, held);
        }
        s.phase = Phase.SHIFT;
        run.progress().say("decision", "Promoting: continuing " + shift.name() + " from " + s.newPercent + " % on "
                + s.newColor + ", then bake " + Durations.format(req.bakeTime()));
        return named(req, machine.runToEnd(s, store, held));
    }

    /** Why the canary must not be promoted: the rule moved, an alarm fired, or the colour no longer runs it. */
    private static String promotionProblem(BlueGreenRequest req, EcsClient ecs, PromotionRecord rec, Weights weights,
                                           AlarmGate gate, Map<String, Service> services) {
        if (weights.of(rec.newColor()) != rec.percent()) {
            return "the rule shows " + weights + ", not the " + rec.percent() + " % on " + rec.newColor()
                    + " the canary was left at";
        }
        if (gate != null) {
            AlarmGate.Reading r = gate.read("alarms");
            if (r.isFiring()) {
                return r.describeFiring() + " while the canary awaited promotion";
            }
        }
        String name = req.service(rec.newColor());
        Service now = ecs.describeServices(b -> b.cluster(req.cluster()).services(name)).services().stream()
                .findFirst().orElse(services.get(rec.newColor()));
        StandbyHealth.Rollout r = StandbyHealth.rollout(now, rec.taskDefinitionArn());
        if (r.verdict() != Verdict.READY) {
            return "the canary colour is not as it was left: " + r.message();
        }
        return null;
    }

    private static String live(BlueGreenRequest req, Weights w, Map<String, Service> services) {
        String live = w.live();
        if (live == null) {
            return "the rule is split (" + w + ") but holds no promotion record: another deployment may be running";
        }
        return live + " (" + req.service(live) + ", " + TaskDefinitionSource.shortName(services.get(live)
                .taskDefinition()) + ") serves 100 %";
    }

    /** Promote ends "promoted"; abort that put traffic back ends "aborted" and succeeds: it did what was asked. */
    private static StepResult named(BlueGreenRequest req, StepResult r) {
        if (r.isPending()) {
            return StepResult.pending(r.completion().thenApply(done -> named(req, done)));
        }
        if (BlueGreenRequest.ABORT.equals(req.action()) && "rolled-back".equals(r.status())) {
            Map<String, Object> f = new LinkedHashMap<>(r.fields());
            return StepResult.of(Outcome.SUCCEEDED, "aborted", "aborted the canary: " + f.get("liveColor") + " ("
                    + f.get("liveService") + ") serves 100 % again (read back)", f);
        }
        if (BlueGreenRequest.PROMOTE.equals(req.action()) && "deployed".equals(r.status())) {
            return StepResult.of(r.outcome(), "promoted", "promoted: " + r.summary(), r.fields());
        }
        return r;
    }

}
