package dev.awsdeploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.awsdeploy.run.StepDefinition;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CLI builds only the commands of the step a command line names: the short list must be exactly that step's. */
class StepsTest {
    private static String firstWord(StepDefinition d) {
        return d.cliPath().split(" ")[0];
    }

    @Test
    void eachStepsWordNamesExactlyItsOwnDefinitionsAndAnyOtherWordAll() {
        List<StepDefinition> all = Steps.all();
        for (StepDefinition d : all) {
            String word = firstWord(d);
            assertEquals(all.stream().filter(x -> firstWord(x).equals(word)).toList(), Steps.named(word), word);
        }
        // The CLI's head start is named by the word too (without loading the step's class).
        assertEquals("ecr-push", dev.awsdeploy.ecr.EcrPush.DEFINITION.cliPath());
        for (String other : List.of("", "--help", "report", "ecr", "ecs-blue-greenx")) {
            assertEquals(all, Steps.named(other), other);
        }
    }
}
