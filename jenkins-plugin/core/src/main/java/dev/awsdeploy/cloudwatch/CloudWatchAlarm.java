package dev.awsdeploy.cloudwatch;

import dev.awsdeploy.run.StepDefinition;
import java.util.List;

/** The actions of the cloudWatchAlarm step. */
public final class CloudWatchAlarm {
    public static final List<StepDefinition> ACTIONS = List.of(AlarmPut.DEFINITION, AlarmDelete.DEFINITION,
            AlarmWait.DEFINITION, MetricPut.DEFINITION);

    private CloudWatchAlarm() {
    }
}
