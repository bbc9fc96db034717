package dev.awsdeploy.cloudwatch;

import dev.awsdeploy.run.BadInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.AlarmType;
import software.amazon.awssdk.services.cloudwatch.model.CompositeAlarm;
import software.amazon.awssdk.services.cloudwatch.model.DescribeAlarmsResponse;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;

/**
 * Watches a set of alarms with one DescribeAlarms call per look, whatever their number. Used by
 * {@code cloudWatchAlarm wait} and inside the deploy steps' bake. What INSUFFICIENT_DATA means is an explicit
 * policy.
 */
public final class AlarmGate {

    /** What an alarm in INSUFFICIENT_DATA counts as. */
    public enum InsufficientData {
        OK, ALARM, WAIT;

        public static InsufficientData parse(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT));
        }
    }

    /** One look at the alarms. */
    public record Reading(Map<String, String> states, Map<String, String> reasons, List<String> firing,
                          List<String> undecided) {
        public boolean isFiring() {
            return !firing.isEmpty();
        }

        public boolean allClear() {
            return firing.isEmpty() && undecided.isEmpty();
        }

        /** "HighErrorRate=ALARM (Threshold Crossed: ...)" for the alarms that fire. */
        public String describeFiring() {
            List<String> parts = new ArrayList<>();
            for (String name : firing) {
                String reason = reasons.get(name);
                parts.add(name + " is " + states.get(name) + (reason == null || reason.isBlank() ? "" : " (" + reason
                        + ")"));
            }
            return String.join("; ", parts);
        }

        /** "HighErrorRate=OK, Latency=INSUFFICIENT_DATA": what a person wants to see when states change. */
        public String summary() {
            List<String> parts = new ArrayList<>();
            states.forEach((k, v) -> parts.add(k + "=" + v));
            return String.join(", ", parts);
        }
    }

    private static final int NAMES_PER_CALL = 100;
    /** What an alarm whose period cannot be known counts as: CloudWatch's shortest (high-resolution) period. */
    static final long UNKNOWN_PERIOD_SECONDS = 10;
    /** How deep composite alarms are followed, and how many alarms at most, before counting as unknown. */
    static final int MAX_RULE_DEPTH = 5;
    static final int MAX_RULE_ALARMS = 500;
    /** {@code ALARM("name")}, {@code OK(name)}, {@code INSUFFICIENT_DATA("arn:...:alarm:name")} in an alarm rule. */
    private static final Pattern RULE_REFERENCE = Pattern.compile(
            "\\b(?:ALARM|OK|INSUFFICIENT_DATA)\\s*\\(\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^()\"\\s]+))\\s*\\)");
    private final CloudWatchClient cw;
    private final List<String> names;
    private final InsufficientData policy;

    public AlarmGate(CloudWatchClient cw, List<String> names, InsufficientData policy) {
        this.cw = cw;
        this.names = List.copyOf(names);
        this.policy = policy;
    }

    public List<String> names() {
        return names;
    }

    /** Reads all alarms; an alarm that does not exist is bad input naming {@code parameter}. */
    public Reading read(String parameter) {
        Map<String, String> states = new LinkedHashMap<>();
        Map<String, String> reasons = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i += NAMES_PER_CALL) {
            List<String> chunk = names.subList(i, Math.min(names.size(), i + NAMES_PER_CALL));
            DescribeAlarmsResponse r = cw.describeAlarms(b -> b.alarmNames(chunk)
                    .alarmTypes(AlarmType.METRIC_ALARM, AlarmType.COMPOSITE_ALARM));
            for (MetricAlarm a : r.metricAlarms()) {
                states.put(a.alarmName(), a.stateValueAsString());
                reasons.put(a.alarmName(), a.stateReason());
            }
            for (CompositeAlarm a : r.compositeAlarms()) {
                states.put(a.alarmName(), a.stateValueAsString());
                reasons.put(a.alarmName(), a.stateReason());
            }
        }
        List<String> missing = names.stream().filter(n -> !states.containsKey(n)).toList();
        if (!missing.isEmpty()) {
            throw new BadInputException(parameter, String.join(",", missing), missing.size() == 1
                    ? "no such alarm in this account and region" : "no such alarms in this account and region",
                    "create it first (cloudWatchAlarm put) or correct the name; alarm names are case-sensitive");
        }
        Map<String, String> ordered = new LinkedHashMap<>();
        List<String> firing = new ArrayList<>();
        List<String> undecided = new ArrayList<>();
        for (String n : names) {
            String s = states.get(n);
            ordered.put(n, s);
            if ("ALARM".equals(s) || "INSUFFICIENT_DATA".equals(s) && policy == InsufficientData.ALARM) {
                firing.add(n);
            } else if ("INSUFFICIENT_DATA".equals(s) && policy == InsufficientData.WAIT) {
                undecided.add(n);
            }
        }
        return new Reading(ordered, reasons, firing, undecided);
    }

    /**
     * The shortest evaluation period among these alarms: CloudWatch cannot change an alarm's state between two
     * evaluations, so a watcher need not look more often. A metric alarm's is its period (metric math: its
     * queries' shortest); a composite alarm's is the shortest of the alarms its rule names ({@code ALARM("x")},
     * {@code OK(x)}, {@code INSUFFICIENT_DATA(...)}), followed down to {@value #MAX_RULE_DEPTH} levels and
     * {@value #MAX_RULE_ALARMS} alarms, one DescribeAlarms per level (per 100 names). An alarm whose period cannot
     * be known (not found, beyond the bounds) counts as 10 s. Null when there are no alarms.
     */
    public static Duration shortestPeriod(CloudWatchClient cw, List<String> names) {
        long shortest = Long.MAX_VALUE;
        Set<String> seen = new HashSet<>(names);
        List<String> level = List.copyOf(new LinkedHashSet<>(names));
        for (int depth = 0; !level.isEmpty(); depth++) {
            if (depth >= MAX_RULE_DEPTH || seen.size() > MAX_RULE_ALARMS) {
                shortest = Math.min(shortest, UNKNOWN_PERIOD_SECONDS);
                break;
            }
            Set<String> found = new HashSet<>();
            List<String> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i += NAMES_PER_CALL) {
                List<String> chunk = level.subList(i, Math.min(level.size(), i + NAMES_PER_CALL));
                DescribeAlarmsResponse r = cw.describeAlarms(b -> b.alarmNames(chunk)
                        .alarmTypes(AlarmType.METRIC_ALARM, AlarmType.COMPOSITE_ALARM));
                for (MetricAlarm a : r.metricAlarms()) {
                    found.add(a.alarmName());
                    shortest = Math.min(shortest, period(a));
                }
                for (CompositeAlarm a : r.compositeAlarms()) {
                    found.add(a.alarmName());
                    for (String child : ruleReferences(a.alarmRule())) {
                        if (seen.add(child)) {
                            next.add(child);
                        }
                    }
                }
            }
            if (!found.containsAll(level)) {
                shortest = Math.min(shortest, UNKNOWN_PERIOD_SECONDS);
            }
            level = next;
        }
        return shortest == Long.MAX_VALUE ? null : Duration.ofSeconds(shortest);
    }

    private static long period(MetricAlarm a) {
        if (a.period() != null) {
            return a.period();
        }
        long shortest = Long.MAX_VALUE;
        for (MetricDataQuery q : a.metrics()) {
            Integer p = q.metricStat() != null && q.metricStat().period() != null ? q.metricStat().period()
                    : q.period();
            if (p != null) {
                shortest = Math.min(shortest, p);
            }
        }
        return shortest == Long.MAX_VALUE ? UNKNOWN_PERIOD_SECONDS : shortest;
    }

    /** The alarm names a composite alarm's rule refers to, in order, each once; ARNs become names. */
    static List<String> ruleReferences(String rule) {
        Set<String> out = new LinkedHashSet<>();
        if (rule == null) {
            return List.of();
        }
        Matcher m = RULE_REFERENCE.matcher(rule);
        while (m.find()) {
            String ref = m.group(1) != null ? m.group(1).replaceAll("\\\\(.)", "$1") : m.group(2);
            int alarm = ref.startsWith("arn:") ? ref.indexOf(":alarm:") : -1;
            out.add(alarm >= 0 ? ref.substring(alarm + ":alarm:".length()) : ref);
        }
        return List.copyOf(out);
    }
}
