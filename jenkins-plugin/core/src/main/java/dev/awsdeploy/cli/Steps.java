package dev.awsdeploy.cli;

import dev.awsdeploy.cloudwatch.CloudWatchAlarm;
import dev.awsdeploy.run.StepDefinition;
import java.util.ArrayList;
import java.util.List;

/** Every step the CLI offers, by command path. */
final class Steps {
    private Steps() {
    }

    static List<StepDefinition> all() {
        List<StepDefinition> all = new ArrayList<>(CloudWatchAlarm.ACTIONS);
        all.add(dev.awsdeploy.ecs.EcsBlueGreen.DEFINITION);
        return all;
    }
}
