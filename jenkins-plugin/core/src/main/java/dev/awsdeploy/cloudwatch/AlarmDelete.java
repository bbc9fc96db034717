package dev.awsdeploy.cloudwatch;

import dev.awsdeploy.aws.AwsContext;
import dev.awsdeploy.run.Outcome;
import dev.awsdeploy.run.Param;
import dev.awsdeploy.run.Params;
import dev.awsdeploy.run.StepDefinition;
import dev.awsdeploy.run.StepResult;
import dev.awsdeploy.run.StepRun;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.AlarmType;

/** {@code cloudWatchAlarm delete}: an alarm that is not there is already gone. */
public final class AlarmDelete {
    public static final List<Param> PARAMS = List.of(Param.string("alarmName", "name of the alarm to delete"));

    public static final StepDefinition DEFINITION = new StepDefinition("cloudWatchAlarm", "delete",
            "cloudwatch-alarm delete", "Delete an alarm; success when it does not exist", PARAMS, AlarmDelete::run);

    private AlarmDelete() {
    }

    public static StepResult run(Map<String, Object> input, StepRun run) {
        Params p = new Params(input, PARAMS);
        String name = p.required("alarmName", "give the name of the alarm to delete");
        boolean dryRun = run.dryRun(p);
        p.check();
        run.record().inputs(p.given());
        CloudWatchClient cw = CloudWatch.client(AwsContext.forRun(run, p));
        boolean exists = cw.describeAlarms(r -> r.alarmNames(name)
                        .alarmTypes(AlarmType.METRIC_ALARM, AlarmType.COMPOSITE_ALARM))
                .metricAlarms().stream().anyMatch(a -> a.alarmName().equals(name));
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("alarmName", name);
        if (!exists) {
            run.progress().say("decision", "Alarm " + name + " does not exist: nothing to delete");
            return StepResult.of(Outcome.SUCCEEDED, "absent", "alarm " + name + " was already absent", fields);
        }
        if (dryRun) {
            fields.put("dryRun", true);
            run.progress().say("plan", "Dry run: would delete alarm " + name);
            return StepResult.of(Outcome.SUCCEEDED, "would-be-deleted", "dry run: would delete alarm " + name,
                    fields);
        }
        cw.deleteAlarms(r -> r.alarmNames(name));
        run.progress().action("DeleteAlarms", name, "Deleted alarm " + name);
        return StepResult.of(Outcome.SUCCEEDED, "deleted", "alarm " + name + " deleted", fields);
    }
}
