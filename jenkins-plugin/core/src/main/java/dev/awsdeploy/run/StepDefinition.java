package dev.awsdeploy.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A step (or one action of a step) as the CLI, the var and the plugin see it: its name, the parameters it
 * takes and what runs it. The CLI builds its flags from {@link #params()}, so names cannot drift.
 */
public record StepDefinition(String step, String action, String cliPath, String summary, List<Param> params,
                             Runner runner) {

    @FunctionalInterface
    public interface Runner {
        StepResult run(Map<String, Object> input, StepRun run);
    }

    /** The step's own parameters followed by the common ones. */
    public List<Param> allParams() {
        List<Param> all = new ArrayList<>(params);
        for (Param c : Param.COMMON) {
            if (all.stream().noneMatch(p -> p.name().equals(c.name()))) {
                all.add(c);
            }
        }
        return all;
    }
}
