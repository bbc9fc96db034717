package dev.awsdeploy.jenkins;

import dev.awsdeploy.report.ReportPage;
import hudson.FilePath;
import java.io.IOException;
import java.io.PrintStream;

/**
 * The deployment report as a workspace file beside the record (and its stylesheet), as the CLI path writes it, so
 * {@code result.report} is the same with or without the plugin and {@code archiveArtifacts '.aws-deploy/**'} keeps
 * a page that renders under Jenkins' artifact CSP. Best effort: the report is also served by the build's action.
 */
final class WorkspaceReport {
    private WorkspaceReport() {
    }

    static String write(String record, String id, FilePath workspace, PrintStream log) {
        if (workspace == null || record == null) {
            return null;
        }
        String path = Results.WORKSPACE_DIR + "/" + id + "-report.html";
        try {
            FilePath page = workspace.child(path);
            page.getParent().mkdirs();
            page.write(ReportPage.render(record), "UTF-8");
            page.getParent().child(ReportPage.STYLESHEET).write(ReportPage.stylesheet(), "UTF-8");
            return path;
        } catch (IOException | InterruptedException | RuntimeException e) {
            log.println("aws-deploy: the report is on the build page but could not be written to the workspace: "
                    + e.getMessage());
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
    }
}
