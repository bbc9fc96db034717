package dev.awsdeploy.cloudwatch;

import dev.awsdeploy.run.BadInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.AlarmType;
import software.amazon.awssdk.services.cloudwatch.model.CompositeAlarm;
import software.amazon.awssdk.services.cloudwatch.model.DescribeAlarmsResponse;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;

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
}
