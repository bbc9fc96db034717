package dev.awsdeploy.jenkins;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.awsdeploy.report.ReportPage;
import hudson.model.Result;
import org.htmlunit.Page;
import org.htmlunit.html.HtmlPage;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.Rule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;

/**
 * A deployment record attached to a build is listed on the build page with a link to its report, which Jenkins
 * serves under its default artifact CSP with the stylesheet beside it.
 */
public class DeploymentReportPageTest {
    @Rule
    public JenkinsRule r = new JenkinsRule();

    private static final String RECORD = "{\"step\":\"cloudWatchAlarm\",\"action\":\"wait\","
            + "\"startedAt\":\"2026-11-25T12:00:00Z\",\"finishedAt\":\"2026-11-25T12:01:00Z\",\"outcome\":\"FAILED\","
            + "\"events\":[{\"at\":\"2026-11-25T12:00:00Z\",\"type\":\"alarms\",\"message\":\"Alarms: HighErrorRate=OK\","
            + "\"data\":{\"states\":{\"HighErrorRate\":\"OK\"}}},{\"at\":\"2026-11-25T12:00:40Z\",\"type\":\"alarms\","
            + "\"message\":\"Alarms: HighErrorRate=ALARM\",\"data\":{\"states\":{\"HighErrorRate\":\"ALARM\"}}},"
            + "{\"at\":\"2026-11-25T12:00:40Z\",\"type\":\"decision\",\"message\":\"Gate failed: HighErrorRate is ALARM\","
            + "\"data\":{}}],\"apiCalls\":{\"CloudWatch.DescribeAlarms\":9},"
            + "\"result\":{\"outcome\":\"FAILED\",\"summary\":\"alarm fired: HighErrorRate is ALARM\"}}";

    @Test
    public void theReportIsListedOnTheBuildPageAndServedUnderTheArtifactCsp() throws Exception {
        WorkflowJob p = r.jenkins.createProject(WorkflowJob.class, "report");
        p.setDefinition(new CpsFlowDefinition("echo 'deploy'", true));
        WorkflowRun b = r.buildAndAssertStatus(Result.SUCCESS, p);
        b.addAction(new DeploymentRecordAction("cloudWatchAlarm wait", "r1", "FAILED",
                "alarm fired: HighErrorRate is ALARM", RECORD));
        JenkinsRule.WebClient wc = r.createWebClient();

        HtmlPage build = wc.goTo(b.getUrl());
        String buildPage = build.getWebResponse().getContentAsString();
        assertTrue(buildPage, buildPage.contains("href=\"aws-deploy-r1/report\""));
        assertTrue(buildPage, buildPage.contains("alarm fired: HighErrorRate is ALARM — deployment report"));

        Page report = wc.goTo(b.getUrl() + "aws-deploy-r1/report", "text/html");
        assertEquals(ReportPage.CONTENT_SECURITY_POLICY,
                report.getWebResponse().getResponseHeaderValue("Content-Security-Policy"));
        String html = report.getWebResponse().getContentAsString();
        assertTrue(html, html.contains("id=\"alarm-chart\""));
        assertTrue(html, html.contains(">ALARM</text>"));
        assertTrue(html, html.contains("href=\"" + ReportPage.STYLESHEET + "\""));

        Page css = wc.goTo(b.getUrl() + "aws-deploy-r1/" + ReportPage.STYLESHEET, "text/css");
        assertEquals(ReportPage.stylesheet(), css.getWebResponse().getContentAsString());
    }
}
