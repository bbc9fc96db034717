package dev.awsdeploy.jenkins;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.awsdeploy.run.Json;
import hudson.AbortException;
import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;

/**
 * Turns an engine report into what Pipeline sees: the deployment record attached to the build (and copied into the
 * workspace when there is one, as the CLI path does), the result as a Map, or a failed step whose message is the
 * engine's summary.
 */
final class Results {
    /** Where records go in the workspace; the var's CLI path uses the same folder. */
    static final String WORKSPACE_DIR = ".aws-deploy";

    private Results() {
    }

    static LinkedHashMap<String, Object> deliver(EngineReport report, String label, String id, Run<?, ?> run,
                                                 TaskListener listener, FilePath workspace)
            throws IOException, InterruptedException {
        PrintStream log = listener.getLogger();
        if (report.problems() != null) {
            throw new AbortException(label + ": bad input: " + report.problems());
        }
        String recordPath = null;
        String reportPath = null;
        if (report.record() != null) {
            run.addAction(new DeploymentRecordAction(label, id, report.outcome(), report.summary(), report.record()));
            run.save();
            recordPath = copyToWorkspace(report.record(), id, workspace, log);
            reportPath = WorkspaceReport.write(report.record(), id, workspace, log);
        }
        log.println(label + ": " + report.outcome() + ": " + report.summary());
        if (!report.succeeded()) {
            // The record (with the result) stays attached to the build; the step fails with the summary.
            throw new AbortException(label + " " + report.outcome() + ": " + report.summary());
        }
        LinkedHashMap<String, Object> result = Json.MAPPER.readValue(report.result(),
                new TypeReference<LinkedHashMap<String, Object>>() { });
        if (recordPath != null) {
            result.put("record", recordPath);
        }
        if (reportPath != null) {
            result.put("report", reportPath);
        }
        return result;
    }

    /** The record as a workspace file, for archiveArtifacts and replay; best effort (the agent may be gone). */
    private static String copyToWorkspace(String record, String id, FilePath workspace, PrintStream log) {
        if (workspace == null) {
            return null;
        }
        String path = WORKSPACE_DIR + "/" + id + "-record.json";
        try {
            // FilePath.write creates the parent folders.
            workspace.child(path).write(record, "UTF-8");
            return path;
        } catch (IOException | InterruptedException | RuntimeException e) {
            log.println("aws-deploy: the record is attached to the build but could not be written to the workspace: "
                    + e.getMessage());
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
    }
}
