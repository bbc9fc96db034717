package dev.awsdeploy.cloudwatch;

import dev.awsdeploy.aws.AwsContext;
import dev.awsdeploy.run.Outcome;
import dev.awsdeploy.run.Param;
import dev.awsdeploy.run.Params;
import dev.awsdeploy.run.StepDefinition;
import dev.awsdeploy.run.StepResult;
import dev.awsdeploy.run.StepRun;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;

/** {@code cloudWatchAlarm putMetric}: publishes one datapoint of a custom metric. */
public final class MetricPut {
    public static final List<Param> PARAMS = List.of(
            Param.string("namespace", "custom namespace, e.g. MyApp/Business (AWS/ is reserved)"),
            Param.string("metricName", "metric name, e.g. OrderCount"),
            Param.number("value", "the datapoint's value"),
            Param.string("unit", "e.g. Count, Percent, Seconds, None (default None)"),
            Param.list("dimensions", "Name=Value pairs"),
            Param.string("timestamp", "ISO-8601 time of the datapoint (default now); at most 2 weeks old"));

    public static final StepDefinition DEFINITION = new StepDefinition("cloudWatchAlarm", "putMetric",
            "cloudwatch-alarm put-metric", "Publish a datapoint of a custom metric", PARAMS, MetricPut::run);

    private MetricPut() {
    }

    public static StepResult run(Map<String, Object> input, StepRun run) {
        Params p = new Params(input, PARAMS);
        String namespace = p.required("namespace", "give a namespace such as MyApp/Business");
        if (namespace != null && (namespace.startsWith("AWS/") || namespace.length() > 255
                || !namespace.matches("[\\w .#:/-]+"))) {
            p.problem("namespace", namespace, namespace.startsWith("AWS/") ? "uses the AWS/ prefix AWS reserves"
                    : "has characters CloudWatch does not accept", "use your own namespace such as MyApp/Business");
        }
        String metric = p.required("metricName", "give a metric name such as OrderCount");
        Double value = p.number("value", null);
        if (!p.has("value")) {
            p.problem("value", null, "is required", "give the datapoint's value, e.g. 150");
        }
        String unit = p.string("unit", "None");
        if (StandardUnit.fromValue(unit) == StandardUnit.UNKNOWN_TO_SDK_VERSION) {
            p.problem("unit", unit, "is not a CloudWatch unit", Params.suggestion(unit,
                    StandardUnit.knownValues().stream().map(StandardUnit::toString).toList(),
                    "use e.g. Count, Percent, Seconds or None"));
        }
        List<Dimension> dimensions = Dimensions.parse(p, "dimensions");
        Instant when = null;
        String ts = p.string("timestamp");
        Instant now = run.clock().now();
        if (ts != null) {
            try {
                when = ts.matches("\\d+") ? Instant.ofEpochSecond(Long.parseLong(ts)) : Instant.parse(ts);
                if (when.isBefore(now.minus(Duration.ofDays(14))) || when.isAfter(now.plus(Duration.ofHours(2)))) {
                    p.problem("timestamp", ts, "is outside what CloudWatch accepts (2 weeks back to 2 hours ahead)",
                            "give a recent time or leave it out for now");
                }
            } catch (DateTimeParseException | NumberFormatException e) {
                p.problem("timestamp", ts, "is not a time", "write it like 2026-11-25T12:00:00Z");
            }
        }
        boolean dryRun = run.dryRun(p);
        p.check();
        run.record().inputs(p.given());
        MetricDatum datum = MetricDatum.builder().metricName(metric).value(value).unit(unit).dimensions(dimensions)
                .timestamp(when != null ? when : now).build();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("namespace", namespace);
        fields.put("metricName", metric);
        fields.put("value", value);
        fields.put("unit", unit);
        String shown = namespace + " " + metric + " = " + format(value) + " " + unit;
        if (dryRun) {
            AwsContext.forRun(run, p);
            fields.put("dryRun", true);
            run.progress().say("plan", "Dry run: would publish " + shown);
            return StepResult.of(Outcome.SUCCEEDED, "would-be-published", "dry run: would publish " + shown, fields);
        }
        CloudWatch.client(AwsContext.forRun(run, p)).putMetricData(r -> r.namespace(namespace).metricData(datum));
        run.progress().action("PutMetricData", namespace + "/" + metric, "Published " + shown);
        return StepResult.of(Outcome.SUCCEEDED, "published", "published " + shown, fields);
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
