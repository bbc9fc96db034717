package dev.awsdeploy;

import dev.awsdeploy.cloudwatch.CloudWatchAlarm;
import dev.awsdeploy.codedeploy.CodeDeployRolling;
import dev.awsdeploy.ecr.EcrPush;
import dev.awsdeploy.ecs.EcsBlueGreen;
import dev.awsdeploy.run.StepDefinition;
import java.util.ArrayList;
import java.util.List;

/**
 * Every step of the engine, by command path: the registry the CLI builds its commands from and the plugin finds
 * its steps' definitions in. It sits above the step packages (it names them all) and below both front ends.
 */
public final class Steps {
    private Steps() {
    }

    /**
     * The definitions a command line starting with {@code word} can name: only that step's (its class alone is
     * loaded, which a short CLI run notices), or every one for any other word (help, a typo).
     */
    public static List<StepDefinition> named(String word) {
        return switch (word) {
            case "ecr-push" -> List.of(EcrPush.DEFINITION);
            case "ecs-blue-green" -> List.of(EcsBlueGreen.DEFINITION);
            case "code-deploy-rolling" -> List.of(CodeDeployRolling.DEFINITION);
            case "cloudwatch-alarm" -> List.copyOf(CloudWatchAlarm.ACTIONS);
            default -> all();
        };
    }

    public static List<StepDefinition> all() {
        List<StepDefinition> all = new ArrayList<>(CloudWatchAlarm.ACTIONS);
        all.add(EcrPush.DEFINITION);
        all.add(CodeDeployRolling.DEFINITION);
        all.add(EcsBlueGreen.DEFINITION);
        return all;
    }

    /**
     * Lets the step named by a command line load and initialise what it will use on background threads while the
     * command line is parsed and checked (nothing is sent anywhere). Only ecr-push, the step whose whole run is
     * often shorter than its start-up, does so.
     */
    public static void warmUp(String command, String[] args, java.util.Map<String, String> env) {
        // By its name, not EcrPush.DEFINITION: the step's own classes are not loaded first.
        if (command.equals("ecr-push")) {
            dev.awsdeploy.ecr.WarmUp.start(args, env);
        }
    }
}
