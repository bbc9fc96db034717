package dev.awsdeploy.cli;

import dev.awsdeploy.cloudwatch.CloudWatchAlarm;
import dev.awsdeploy.run.StepDefinition;
import java.util.ArrayList;
import java.util.List;

/** Every step the engine offers: the CLI builds its commands from it, the Jenkins plugin finds its steps in it. */
public final class Steps {
    private Steps() {
    }

    public static List<StepDefinition> all() {
        List<StepDefinition> all = new ArrayList<>(CloudWatchAlarm.ACTIONS);
        return all;
    }
}
