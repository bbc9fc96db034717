package dev.awsdeploy.jenkins;

import dev.awsdeploy.report.ReportPage;
import hudson.model.Run;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import jenkins.model.RunAction2;
import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.StaplerResponse2;

/**
 * One step's deployment record, attached to the build: what was live before and after, every change, the timeline
 * and the outcome, as the engine wrote it (JSON, secrets already redacted). Only strings are kept, so build.xml
 * holds no SDK types. Its deployment report (drawn by the engine from the record) is served at {@code report},
 * listed on the build page by {@code summary.jelly}.
 */
public final class DeploymentRecordAction implements RunAction2 {
    private final String label;
    private final String id;
    private final String outcome;
    private final String summary;
    private final String json;
    private transient Run<?, ?> run;

    DeploymentRecordAction(String label, String id, String outcome, String summary, String json) {
        this.label = label;
        this.id = id;
        this.outcome = outcome;
        this.summary = summary;
        this.json = json;
    }

    @Override
    public String getIconFileName() {
        return "clipboard.png";
    }

    @Override
    public String getDisplayName() {
        return "AWS deployment: " + label + " (" + outcome + ")";
    }

    @Override
    public String getUrlName() {
        return "aws-deploy-" + id;
    }

    @Override
    public void onAttached(Run<?, ?> r) {
        this.run = r;
    }

    @Override
    public void onLoad(Run<?, ?> r) {
        this.run = r;
    }

    public Run<?, ?> getRun() {
        return run;
    }

    public String getLabel() {
        return label;
    }

    public String getOutcome() {
        return outcome;
    }

    public String getSummary() {
        return summary;
    }

    /** The record as JSON. */
    public String getJson() {
        return json;
    }

    /**
     * {@code .../report}: the deployment report, the same page the CLI writes, under the CSP Jenkins gives archived
     * artifacts (no script, no inline style: the page needs neither).
     */
    public void doReport(StaplerRequest2 req, StaplerResponse2 rsp) throws IOException {
        for (String header : new String[] {"Content-Security-Policy", "X-WebKit-CSP", "X-Content-Security-Policy"}) {
            rsp.setHeader(header, ReportPage.CONTENT_SECURITY_POLICY);
        }
        rsp.setContentType("text/html;charset=UTF-8");
        rsp.getWriter().write(ReportPage.render(json));
    }

    /** {@code .../aws-deploy-report.css}: the report's stylesheet, where its relative link points. */
    public void doDynamic(StaplerRequest2 req, StaplerResponse2 rsp) throws IOException {
        if (!("/" + ReportPage.STYLESHEET).equals(req.getRestOfPath())) {
            rsp.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        rsp.setContentType("text/css;charset=UTF-8");
        rsp.getWriter().write(ReportPage.stylesheet());
    }
}
