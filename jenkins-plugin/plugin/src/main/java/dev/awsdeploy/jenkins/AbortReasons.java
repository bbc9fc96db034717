package dev.awsdeploy.jenkins;

import java.util.List;
import java.util.stream.Collectors;
import jenkins.model.CauseOfInterruption;
import org.jenkinsci.plugins.workflow.steps.FlowInterruptedException;

/** Who or what aborted the build, in words: "Aborted by alice", "Timeout has been exceeded", not a class name. */
final class AbortReasons {
    private AbortReasons() {
    }

    static String of(Throwable cause) {
        if (cause instanceof FlowInterruptedException fi) {
            List<String> why = fi.getCauses().stream().map(CauseOfInterruption::getShortDescription)
                    .filter(d -> d != null && !d.isBlank()).distinct().collect(Collectors.toList());
            if (!why.isEmpty()) {
                return "the build was aborted: " + String.join("; ", why);
            }
            return "the build was aborted (result " + fi.getResult() + ")";
        }
        if (cause != null && cause.getMessage() != null && !cause.getMessage().isBlank()) {
            return "the build was aborted: " + cause.getMessage();
        }
        return "the build was aborted";
    }
}
