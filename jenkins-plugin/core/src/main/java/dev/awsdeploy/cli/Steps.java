package dev.awsdeploy.cli;

import dev.awsdeploy.cloudwatch.CloudWatchAlarm;
import dev.awsdeploy.codedeploy.CodeDeployRolling;
import dev.awsdeploy.ecr.EcrPush;
import dev.awsdeploy.ecs.EcsBlueGreen;
import dev.awsdeploy.run.StepDefinition;
import java.util.ArrayList;
import java.util.List;

/** Every step the CLI offers (and the var and plugin document), by command path. */
public final class Steps {
    private Steps() {
    }

    public static List<StepDefinition> all() {
        List<StepDefinition> all = new ArrayList<>(CloudWatchAlarm.ACTIONS);
        all.add(EcrPush.DEFINITION);
        all.add(CodeDeployRolling.DEFINITION);
        all.add(EcsBlueGreen.DEFINITION);
        return all;
    }
}
