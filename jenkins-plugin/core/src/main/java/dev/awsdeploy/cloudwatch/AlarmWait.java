package dev.awsdeploy.cloudwatch;

import dev.awsdeploy.aws.AwsContext;
import dev.awsdeploy.run.Durations;
import dev.awsdeploy.run.Outcome;
import dev.awsdeploy.run.Param;
import dev.awsdeploy.run.Params;
import dev.awsdeploy.run.StepDefinition;
import dev.awsdeploy.run.StepMachine;
import dev.awsdeploy.run.StepResult;
import dev.awsdeploy.run.StepRun;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code cloudWatchAlarm wait}: an alarm gate. Watches alarms for a duration and fails within one poll interval
 * of any of them entering ALARM; or, with {@code until}, waits until all are in a state. Polls often at first,
 * then settles at {@code pollInterval}, one DescribeAlarms call per poll for all alarms. Resumable: re-run with
 * the same state file and it keeps its original deadline.
 */
public final class AlarmWait implements StepMachine<AlarmWait.State> {
    public static final List<Param> PARAMS = List.of(
            Param.list("alarms", "names of the alarms to watch"),
            Param.duration("duration", "how long to watch (gate) or the longest to wait (with until); default 5m"),
            Param.string("until", "wait until every alarm is in this state: OK, ALARM or INSUFFICIENT_DATA"),
            Param.duration("pollInterval", "longest time between two looks, i.e. the reaction time; default 15s"),
            Param.string("treatInsufficientDataAs", "ok, alarm or wait: what INSUFFICIENT_DATA counts as; "
                    + "default ok"));

    public static final StepDefinition DEFINITION = new StepDefinition("cloudWatchAlarm", "wait",
            "cloudwatch-alarm wait", "Watch alarms for a duration (fail on ALARM) or until they reach a state",
            PARAMS, AlarmWait::run);

    static final Duration FIRST_INTERVAL = Duration.ofSeconds(2);
    private static final List<String> STATES = List.of("OK", "ALARM", "INSUFFICIENT_DATA");

    /** The whole memory of a wait: enough to resume it after a restart. */
    public record State(Instant deadline, long intervalMs, int polls, String verdict, String reason,
                        Map<String, String> states) implements Serializable {
        State next(long interval, int n, String v, String why, Map<String, String> s) {
            return new State(deadline, interval, n, v, why, s);
        }
    }

    private final AlarmGate gate;
    private final StepRun run;
    private final String until;
    private final Duration pollInterval;

    AlarmWait(AlarmGate gate, StepRun run, String until, Duration pollInterval) {
        this.gate = gate;
        this.run = run;
        this.until = until;
        this.pollInterval = pollInterval;
    }

    public static StepResult run(Map<String, Object> input, StepRun run) {
        Params p = new Params(input, PARAMS);
        List<String> alarms = p.list("alarms");
        if (alarms.isEmpty()) {
            p.problem("alarms", null, "is required", "give the names of the alarms to watch, e.g. alarms: "
                    + "['HighErrorRate']");
        }
        Duration duration = p.duration("duration", Duration.ofMinutes(5));
        if (duration.isZero() || duration.compareTo(Duration.ofHours(12)) > 0) {
            p.problem("duration", Durations.format(duration), "must be more than 0 and at most 12h",
                    "use e.g. 5m");
        }
        String until = p.oneOf("until", null, STATES);
        Duration poll = p.duration("pollInterval", Duration.ofSeconds(15));
        if (poll.compareTo(Duration.ofSeconds(1)) < 0 || poll.compareTo(Duration.ofMinutes(5)) > 0) {
            p.problem("pollInterval", Durations.format(poll), "must be between 1s and 5m", "use e.g. 15s");
        }
        String policy = p.oneOf("treatInsufficientDataAs", "ok", List.of("ok", "alarm", "wait"));
        run.dryRun(p);
        p.check();
        run.record().inputs(p.given());

        AlarmGate gate = new AlarmGate(CloudWatch.client(AwsContext.forRun(run, p)), alarms,
                AlarmGate.InsufficientData.parse(policy));
        AlarmWait machine = new AlarmWait(gate, run, until, poll);
        String fingerprint = "wait:" + String.join(",", alarms) + ":" + Durations.format(duration) + ":" + until;
        var store = run.<State>stateStore(State.class, fingerprint);
        var resumed = store.load();
        // The first reading also proves every alarm exists (bad input otherwise) before any waiting.
        AlarmGate.Reading first = gate.read("alarms");
        State initial;
        if (resumed.isPresent()) {
            initial = resumed.get();
            run.progress().say("resume", "Resuming the wait; deadline stays " + initial.deadline() + " ("
                    + Durations.format(Duration.between(run.clock().now(), initial.deadline()).withNanos(0))
                    + " left)");
        } else {
            initial = new State(run.clock().now().plus(duration), FIRST_INTERVAL.toMillis(), 0, null, null, Map.of());
            run.progress().say("phase", (until == null ? "Watching " : "Waiting until " + until + ": ")
                    + String.join(", ", alarms) + " for " + Durations.format(duration) + " (reaction within "
                    + Durations.format(poll) + ", INSUFFICIENT_DATA counts as " + policy + ")");
        }
        if (run.isDryRun()) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("alarms", first.states());
            fields.put("dryRun", true);
            return StepResult.of(Outcome.SUCCEEDED, "would-wait", "dry run: alarms now " + first.summary(), fields);
        }
        State end = run.runner().run(machine, machine.judge(initial, first), store);
        return machine.result(end);
    }

    @Override
    public Tick<State> tick(State s) {
        if (s.verdict() != null) {
            return Tick.done(s);
        }
        return advance(judge(s, gate.read("alarms")));
    }

    private Tick<State> advance(State s) {
        if (s.verdict() != null) {
            return Tick.done(s);
        }
        Instant now = run.clock().now();
        Instant wake = now.plusMillis(s.intervalMs());
        if (wake.isAfter(s.deadline())) {
            wake = s.deadline();
        }
        long nextInterval = Math.min(s.intervalMs() * 2, pollInterval.toMillis());
        return Tick.wakeAt(s.next(nextInterval, s.polls(), null, null, s.states()), wake);
    }

    /** Decides from one reading: done (and how) or keep watching. */
    State judge(State s, AlarmGate.Reading r) {
        int polls = s.polls() + 1;
        if (!r.states().equals(s.states())) {
            run.progress().changed("alarms", "alarms", "Alarms: " + r.summary(), Map.of("states", r.states()));
        }
        Instant now = run.clock().now();
        if (until == null) {
            if (r.isFiring()) {
                run.progress().say("decision", "Gate failed: " + r.describeFiring());
                return s.next(s.intervalMs(), polls, "FIRING", r.describeFiring(), r.states());
            }
            if (!now.isBefore(s.deadline())) {
                return r.allClear()
                        ? s.next(s.intervalMs(), polls, "PASSED", null, r.states())
                        : s.next(s.intervalMs(), polls, "TIMED_OUT", "still INSUFFICIENT_DATA: "
                        + String.join(", ", r.undecided()), r.states());
            }
        } else {
            boolean reached = r.states().entrySet().stream().allMatch(e -> inState(e.getKey(), r));
            if (reached) {
                return s.next(s.intervalMs(), polls, "REACHED", null, r.states());
            }
            if (!now.isBefore(s.deadline())) {
                return s.next(s.intervalMs(), polls, "TIMED_OUT", "not all alarms reached " + until + ": "
                        + r.summary(), r.states());
            }
        }
        return s.next(s.intervalMs(), polls, null, null, r.states());
    }

    private boolean inState(String alarm, AlarmGate.Reading r) {
        String state = r.states().get(alarm);
        if (until.equals(state)) {
            return true;
        }
        if ("INSUFFICIENT_DATA".equals(state)) {
            return until.equals("OK") && !r.undecided().contains(alarm) && !r.firing().contains(alarm)
                    || until.equals("ALARM") && r.firing().contains(alarm);
        }
        return false;
    }

    @Override
    public State abort(State s, String reason) {
        run.progress().say("decision", "Wait aborted: " + reason);
        return s.next(s.intervalMs(), s.polls(), "ABORTED", reason, s.states());
    }

    StepResult result(State s) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("alarms", s.states());
        fields.put("polls", s.polls());
        fields.put("deadline", s.deadline().toString());
        run.record().after("alarms", s.states());
        return switch (s.verdict()) {
            case "PASSED" -> StepResult.of(Outcome.SUCCEEDED, "passed", "no alarm fired: " + summary(s), fields);
            case "REACHED" -> StepResult.of(Outcome.SUCCEEDED, "reached", "all alarms " + until, fields);
            case "FIRING" -> {
                fields.put("reason", s.reason());
                yield StepResult.of(Outcome.FAILED, "alarm", "alarm fired: " + s.reason(), fields);
            }
            case "ABORTED" -> {
                fields.put("reason", s.reason());
                yield StepResult.of(Outcome.FAILED, "aborted", "wait aborted: " + s.reason(), fields);
            }
            default -> {
                fields.put("reason", s.reason());
                yield StepResult.of(Outcome.TIMED_OUT, "timed-out", "timed out: " + s.reason(), fields);
            }
        };
    }

    private static String summary(State s) {
        StringBuilder b = new StringBuilder();
        s.states().forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        return b.toString();
    }
}
