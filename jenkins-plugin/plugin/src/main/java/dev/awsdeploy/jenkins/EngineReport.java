package dev.awsdeploy.jenkins;

import dev.awsdeploy.run.Json;
import dev.awsdeploy.run.Outcome;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * How one engine run ended, as text only: the outcome's name, the one-line summary, the result and the
 * deployment record as JSON, or the input problems. Text crosses the agent channel and fits in build.xml.
 */
record EngineReport(String outcome, String summary, String result, String record, String problems) {

    static EngineReport badInput(String problems) {
        return new EngineReport(Outcome.BAD_INPUT.name(), null, null, null, problems);
    }

    boolean succeeded() {
        return Outcome.SUCCEEDED.name().equals(outcome);
    }

    String toJson() {
        return Json.write(this);
    }

    static EngineReport fromJson(String json) {
        try {
            return Json.MAPPER.readValue(json, EngineReport.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the engine's report", e);
        }
    }
}
