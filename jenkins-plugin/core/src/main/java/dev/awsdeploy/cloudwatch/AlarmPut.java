package dev.awsdeploy.cloudwatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.awsdeploy.aws.AwsContext;
import dev.awsdeploy.aws.CliInputJson;
import dev.awsdeploy.run.Outcome;
import dev.awsdeploy.run.Param;
import dev.awsdeploy.run.Params;
import dev.awsdeploy.run.StepDefinition;
import dev.awsdeploy.run.StepResult;
import dev.awsdeploy.run.StepRun;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.AlarmType;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.cloudwatch.model.PutMetricAlarmRequest;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;

/**
 * {@code cloudWatchAlarm put}: a metric alarm as code. The definition comes from parameters, from a file in the
 * {@code aws cloudwatch put-metric-alarm --cli-input-json} format, or both (parameters win). Re-putting the same
 * definition changes nothing and says so; a changed one says what changed.
 */
public final class AlarmPut {
    public static final List<Param> PARAMS = List.of(
            Param.string("file", "JSON file in the put-metric-alarm --cli-input-json format (PascalCase keys)"),
            Param.string("alarmName", "name of the alarm"),
            Param.string("alarmDescription", "free text shown with the alarm"),
            Param.string("metricName", "metric to watch, e.g. HTTPCode_Target_5XX_Count"),
            Param.string("namespace", "metric namespace, e.g. AWS/ApplicationELB"),
            Param.string("statistic", "SampleCount, Average, Sum, Minimum or Maximum"),
            Param.string("extendedStatistic", "a percentile such as p99 (instead of statistic)"),
            Param.integer("period", "seconds per datapoint: 10, 20, 30 or a multiple of 60"),
            Param.integer("evaluationPeriods", "how many periods are compared with the threshold"),
            Param.integer("datapointsToAlarm", "how many of those periods must breach (default: all)"),
            Param.number("threshold", "the value compared with the statistic"),
            Param.string("comparisonOperator", "e.g. GreaterThanThreshold, LessThanOrEqualToThreshold"),
            Param.string("treatMissingData", "breaching, notBreaching, ignore or missing"),
            Param.string("unit", "the metric's unit, e.g. Count, Percent, Seconds"),
            Param.list("dimensions", "Name=Value pairs, e.g. LoadBalancer=app/myapp-alb/50dc6c495c0c9188"),
            Param.list("alarmActions", "ARNs notified on ALARM (SNS topics, Auto Scaling policies)"),
            Param.list("okActions", "ARNs notified on OK"),
            Param.list("insufficientDataActions", "ARNs notified on INSUFFICIENT_DATA"));

    public static final StepDefinition DEFINITION = new StepDefinition("cloudWatchAlarm", "put",
            "cloudwatch-alarm put", "Create or update a metric alarm; unchanged when it already matches", PARAMS,
            AlarmPut::run);

    /** Parameter name to the put-metric-alarm field it sets. */
    private static final Map<String, String> FIELDS = new LinkedHashMap<>();

    static {
        for (Param p : PARAMS) {
            if (!p.name().equals("file")) {
                String n = p.name();
                FIELDS.put(n, n.equals("okActions") ? "OKActions" : Character.toUpperCase(n.charAt(0)) + n.substring(1));
            }
        }
    }

    private static final Set<String> TREAT_MISSING = Set.of("breaching", "notBreaching", "ignore", "missing");
    private static final int MAX_ACTIONS = 5;

    private AlarmPut() {
    }

    public static StepResult run(Map<String, Object> input, StepRun run) {
        Params p = new Params(input, PARAMS);
        PutMetricAlarmRequest desired = definition(p);
        boolean dryRun = run.dryRun(p);
        p.check();
        run.record().inputs(p.given());

        AwsContext aws = AwsContext.forRun(run, p);
        CloudWatchClient cw = CloudWatch.client(aws);
        String name = desired.alarmName();
        MetricAlarm current = cw.describeAlarms(r -> r.alarmNames(name).alarmTypes(AlarmType.METRIC_ALARM))
                .metricAlarms().stream().filter(a -> a.alarmName().equals(name)).findFirst().orElse(null);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("alarmName", name);
        if (current != null) {
            run.record().before("alarm", CliInputJson.toJson(current));
        }
        List<String> changed = current == null ? List.of() : differences(desired, current);
        String status = current == null ? "created" : changed.isEmpty() ? "unchanged" : "updated";
        fields.put("changed", changed);
        if (status.equals("unchanged")) {
            run.progress().say("decision", "Alarm " + name + " already matches the definition: unchanged");
            return StepResult.of(Outcome.SUCCEEDED, status, "alarm " + name + " unchanged", fields);
        }
        String what = status.equals("created") ? "create" : "update (" + String.join(", ", changed) + ")";
        if (dryRun) {
            fields.put("dryRun", true);
            run.progress().say("plan", "Dry run: would " + what + " alarm " + name);
            return StepResult.of(Outcome.SUCCEEDED, "would-be-" + status, "dry run: would " + what + " alarm "
                    + name, fields);
        }
        cw.putMetricAlarm(desired);
        run.progress().action("PutMetricAlarm", name, (status.equals("created") ? "Created" : "Updated") + " alarm "
                + name + (changed.isEmpty() ? "" : ": " + String.join(", ", changed) + " changed"));
        run.record().after("alarm", CliInputJson.toJson(desired));
        return StepResult.of(Outcome.SUCCEEDED, status, "alarm " + name + " " + status, fields);
    }

    /** The requested alarm: the file's fields, then the parameters over them; all problems collected in p. */
    static PutMetricAlarmRequest definition(Params p) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        String file = p.string("file");
        if (file != null) {
            try {
                json.setAll((ObjectNode) CliInputJson.readFile("file", file));
            } catch (dev.awsdeploy.run.BadInputException e) {
                e.problems().forEach(x -> p.problem(x.parameter(), x.value(), x.message(), x.fix()));
                return null;
            }
        }
        Map<String, String> origin = new HashMap<>();
        json.fieldNames().forEachRemaining(f -> origin.put(f, "file"));
        for (Map.Entry<String, String> e : FIELDS.entrySet()) {
            String param = e.getKey();
            String field = e.getValue();
            if (!p.has(param)) {
                continue;
            }
            JsonNode value = switch (param) {
                case "period", "evaluationPeriods", "datapointsToAlarm" -> {
                    Integer n = p.integer(param, null, Integer.MIN_VALUE, Integer.MAX_VALUE);
                    yield n == null ? null : JsonNodeFactory.instance.numberNode(n);
                }
                case "threshold" -> {
                    Double d = p.number(param, null);
                    yield d == null ? null : JsonNodeFactory.instance.numberNode(d);
                }
                case "dimensions" -> {
                    ArrayNode a = JsonNodeFactory.instance.arrayNode();
                    for (Dimension d : Dimensions.parse(p, param)) {
                        a.addObject().put("Name", d.name()).put("Value", d.value());
                    }
                    yield a;
                }
                case "alarmActions", "okActions", "insufficientDataActions" -> {
                    ArrayNode a = JsonNodeFactory.instance.arrayNode();
                    p.list(param).forEach(a::add);
                    yield a;
                }
                default -> JsonNodeFactory.instance.textNode(p.string(param));
            };
            if (value != null) {
                json.set(field, value);
                origin.put(field, param);
            }
        }
        if (p.hasProblems()) {
            return null;
        }
        PutMetricAlarmRequest req;
        try {
            req = CliInputJson.read(json, PutMetricAlarmRequest::builder, "file", file, List.of());
        } catch (dev.awsdeploy.run.BadInputException e) {
            e.problems().forEach(x -> p.problem(x.parameter(), x.value(), x.message(), x.fix()));
            return null;
        }
        validate(req, p, origin);
        return req;
    }

    private static void validate(PutMetricAlarmRequest r, Params p, Map<String, String> origin) {
        Problems at = new Problems(p, origin);
        if (r.alarmName() == null || r.alarmName().isBlank()) {
            at.add("AlarmName", null, "is required", "give alarmName (or AlarmName in the file)");
        } else if (r.alarmName().length() > 255 || r.alarmName().chars().anyMatch(Character::isISOControl)) {
            at.add("AlarmName", r.alarmName(), "must be 1-255 printable characters", "shorten the name");
        }
        boolean metricMath = r.hasMetrics() && !r.metrics().isEmpty();
        if (!metricMath) {
            if (r.metricName() == null) {
                at.add("MetricName", null, "is required", "give metricName, e.g. HTTPCode_Target_5XX_Count");
            }
            if (r.namespace() == null) {
                at.add("Namespace", null, "is required", "give namespace, e.g. AWS/ApplicationELB");
            }
            if (r.statistic() == null && r.extendedStatistic() == null) {
                at.add("Statistic", null, "is required", "give statistic (" + statistics() + ") or extendedStatistic");
            }
            if (r.period() == null) {
                at.add("Period", null, "is required", "give period in seconds: 10, 20, 30 or a multiple of 60");
            }
        } else if (r.metricName() != null || r.statistic() != null) {
            at.add("Metrics", "Metrics", "cannot be combined with MetricName/Statistic",
                    "use either a single metric or metric math, not both");
        }
        if (r.statistic() != null && r.extendedStatistic() != null) {
            at.add("ExtendedStatistic", r.extendedStatistic(), "cannot be given together with statistic",
                    "keep only one of statistic and extendedStatistic");
        }
        if (r.statistic() != null && r.statistic() == Statistic.UNKNOWN_TO_SDK_VERSION) {
            at.add("Statistic", r.statisticAsString(), "is not a CloudWatch statistic", "use one of " + statistics());
        }
        if (r.extendedStatistic() != null && !r.extendedStatistic().matches("(p|tm|tc|ts|wm|TM|TC|TS|PR)\\(?[\\d.:%]*\\)?")
                || r.extendedStatistic() != null && r.extendedStatistic().length() < 2) {
            at.add("ExtendedStatistic", r.extendedStatistic(), "is not a percentile statistic",
                    "write it like p99 or p99.9");
        }
        if (r.period() != null && !(r.period() == 10 || r.period() == 20 || r.period() == 30
                || r.period() >= 60 && r.period() % 60 == 0)) {
            at.add("Period", r.period(), "must be 10, 20, 30 or a multiple of 60 seconds",
                    "use e.g. 60 or 300");
        }
        if (r.evaluationPeriods() == null) {
            at.add("EvaluationPeriods", null, "is required", "give evaluationPeriods, at least 1");
        } else if (r.evaluationPeriods() < 1) {
            at.add("EvaluationPeriods", r.evaluationPeriods(), "must be at least 1", "use 1 or more");
        } else if (r.period() != null && (long) r.period() * r.evaluationPeriods() > 7 * 24 * 3600) {
            at.add("EvaluationPeriods", r.evaluationPeriods(), "times period " + r.period()
                    + "s is longer than the 7 days an alarm may evaluate", "use fewer or shorter periods");
        }
        if (r.datapointsToAlarm() != null && (r.datapointsToAlarm() < 1
                || r.evaluationPeriods() != null && r.datapointsToAlarm() > r.evaluationPeriods())) {
            at.add("DatapointsToAlarm", r.datapointsToAlarm(), "must be between 1 and evaluationPeriods",
                    "use a value from 1 to " + r.evaluationPeriods());
        }
        if (r.comparisonOperator() == null) {
            at.add("ComparisonOperator", r.comparisonOperatorAsString(), r.comparisonOperatorAsString() == null
                    ? "is required" : "is not a comparison operator", "use one of " + operators());
        } else if (r.comparisonOperator() == ComparisonOperator.UNKNOWN_TO_SDK_VERSION) {
            at.add("ComparisonOperator", r.comparisonOperatorAsString(), "is not a comparison operator",
                    dev.awsdeploy.run.Params.suggestion(r.comparisonOperatorAsString(), operatorList(),
                            "use one of " + operators()));
        }
        boolean anomaly = r.comparisonOperatorAsString() != null && r.comparisonOperatorAsString().contains("Upper")
                || r.comparisonOperatorAsString() != null && r.comparisonOperatorAsString().contains("Lower");
        if (r.threshold() == null && r.thresholdMetricId() == null && !anomaly) {
            at.add("Threshold", null, "is required", "give threshold, e.g. 5.0");
        }
        if (r.treatMissingData() != null && !TREAT_MISSING.contains(r.treatMissingData())) {
            at.add("TreatMissingData", r.treatMissingData(), "is not a missing-data policy",
                    dev.awsdeploy.run.Params.suggestion(r.treatMissingData(), TREAT_MISSING,
                            "use breaching, notBreaching, ignore or missing"));
        }
        if (r.unit() == StandardUnit.UNKNOWN_TO_SDK_VERSION) {
            at.add("Unit", r.unitAsString(), "is not a CloudWatch unit",
                    dev.awsdeploy.run.Params.suggestion(r.unitAsString(), units(), "use e.g. Count, Percent, Seconds"));
        }
        if (r.hasDimensions()) {
            if (r.dimensions().size() > Dimensions.MAX) {
                at.add("Dimensions", r.dimensions().size(), "has more than " + Dimensions.MAX + " dimensions",
                        "give at most " + Dimensions.MAX);
            }
            for (Dimension d : r.dimensions()) {
                if (d.name() == null || d.name().isBlank() || d.value() == null || d.value().isBlank()) {
                    at.add("Dimensions", d.name() + "=" + d.value(), "needs a name and a value",
                            "write each dimension as Name=Value");
                }
            }
        }
        actions(at, "AlarmActions", r.hasAlarmActions() ? r.alarmActions() : List.of());
        actions(at, "OKActions", r.hasOkActions() ? r.okActions() : List.of());
        actions(at, "InsufficientDataActions", r.hasInsufficientDataActions() ? r.insufficientDataActions()
                : List.of());
    }

    private static void actions(Problems at, String field, List<String> arns) {
        if (arns.size() > MAX_ACTIONS) {
            at.add(field, arns.size() + " actions", "has more than " + MAX_ACTIONS, "give at most " + MAX_ACTIONS);
        }
        for (String arn : arns) {
            if (!arn.matches("arn:aws[\\w-]*:[\\w-]+:[\\w-]*:\\d{0,12}:.+")) {
                at.add(field, arn, "is not an action ARN", "give an ARN such as "
                        + "arn:aws:sns:eu-west-1:123456789012:alerts");
            }
        }
    }

    /** Names problems after the parameter a field came from, or the file and field. */
    private record Problems(Params p, Map<String, String> origin) {
        void add(String field, Object value, String message, String fix) {
            String from = origin.get(field);
            if (from == null || from.equals("file")) {
                if (from == null && FIELDS.containsValue(field)) {
                    String param = FIELDS.entrySet().stream().filter(e -> e.getValue().equals(field))
                            .findFirst().map(Map.Entry::getKey).orElse(field);
                    p.problem(param, value, message, fix);
                } else {
                    p.problem("file", value, "field " + field + " " + message, fix);
                }
            } else {
                p.problem(from, value, message, fix);
            }
        }
    }

    /** Fields of the definition that differ from the alarm in AWS, compared as AWS stores them. */
    static List<String> differences(PutMetricAlarmRequest desired, MetricAlarm current) {
        ObjectNode want = CliInputJson.toJson(desired);
        ObjectNode have = CliInputJson.toJson(current);
        Set<String> comparable = new TreeSet<>(CliInputJson.fieldNames(PutMetricAlarmRequest.builder()));
        comparable.remove("Tags");
        List<String> changed = new ArrayList<>();
        for (String f : comparable) {
            JsonNode w = normalise(f, want.get(f), want);
            JsonNode h = normalise(f, have.get(f), have);
            if (!same(w, h)) {
                changed.add(f);
            }
        }
        return changed;
    }

    private static JsonNode normalise(String field, JsonNode v, ObjectNode all) {
        if (v == null || v.isNull() || v.isArray() && v.isEmpty()) {
            return switch (field) {
                case "ActionsEnabled" -> JsonNodeFactory.instance.booleanNode(true);
                case "TreatMissingData" -> JsonNodeFactory.instance.textNode("missing");
                case "DatapointsToAlarm" -> all.get("EvaluationPeriods");
                default -> null;
            };
        }
        return v;
    }

    private static boolean same(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.isNumber() && b.isNumber()) {
            return Double.compare(a.asDouble(), b.asDouble()) == 0;
        }
        if (a.isArray() && b.isArray() && a.size() == b.size() && a.size() > 0 && a.get(0).isObject()) {
            // Dimensions come back in any order.
            Set<String> x = new TreeSet<>();
            Set<String> y = new TreeSet<>();
            a.forEach(n -> x.add(n.toString()));
            b.forEach(n -> y.add(n.toString()));
            return x.equals(y);
        }
        return a.equals(b);
    }

    private static List<String> operatorList() {
        return ComparisonOperator.knownValues().stream().map(ComparisonOperator::toString).toList();
    }

    private static String operators() {
        return String.join(", ", operatorList());
    }

    private static String statistics() {
        return String.join(", ", Statistic.knownValues().stream().map(Statistic::toString).toList());
    }

    private static List<String> units() {
        return StandardUnit.knownValues().stream().map(StandardUnit::toString).toList();
    }
}
