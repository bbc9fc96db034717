package dev.awsdeploy.jenkins;

import static org.junit.Assert.assertEquals;

import dev.awsdeploy.ecs.BlueGreenWorld;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import hudson.model.Result;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;

/**
 * Aborting the build (WorkflowRun.doStop()) during a half-hour bake: the waiting machine is woken at once (the
 * build could not end otherwise before the test harness's timeout), puts all traffic back on the old colour, and
 * the build ends ABORTED with a log that says who aborted.
 */
public class AbortDuringBakeTest {
    @ClassRule
    public static AwsEmulators aws = new AwsEmulators();

    @Rule
    public JenkinsRule r = new JenkinsRule();

    @Test
    public void anAbortDuringTheBakeRollsBackAndTheBuildIsAborted() throws Exception {
        aws.reset();
        JenkinsAws.credential(r);
        JenkinsAws.environment(r, aws.endpoint(), BlueGreenWorld.REGION);
        try (BlueGreenWorld w = BlueGreenWorld.standard(aws.moto().url())) {
            WorkflowJob p = r.jenkins.createProject(WorkflowJob.class, "bake");
            p.setDefinition(new CpsFlowDefinition("ecsBlueGreen cluster: 'prod', service: 'myapp', listenerRuleArn: '"
                    + w.rule + "', image: '" + BlueGreenWorld.V2 + "', trafficShift: 'AllAtOnce', bakeTime: '30m', "
                    + "alarms: ['HighErrorRate'], credentialsId: '" + JenkinsAws.CREDENTIALS_ID + "'", true));
            WorkflowRun b = p.scheduleBuild2(0).waitForStart();
            r.waitForMessage("Bake: green at 100 %", b);
            assertEquals(new Weights(0, 100), w.weights());

            b.doStop();

            r.assertBuildStatus(Result.ABORTED, r.waitForCompletion(b));
            assertEquals("all traffic is back on blue", new Weights(100, 0), w.weights());
            assertEquals(BlueGreenWorld.V1, w.image("myapp-blue"));
            r.assertLogContains("the build was aborted: Aborted by", b);
            r.assertLogNotContains("FlowInterruptedException", b);
            r.assertLogNotContains(JenkinsAws.SECRET_KEY, b);
        }
    }
}
