package dev.awsdeploy.jenkins;

import static org.junit.Assert.assertEquals;

import dev.awsdeploy.ecs.BlueGreenWorld;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.testing.EcsRolloutFront;
import dev.awsdeploy.testing.MotoServer;
import hudson.model.Result;
import java.util.Map;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;

/**
 * Aborting the build (WorkflowRun.doStop()) during a half-hour bake: the waiting machine is woken at once (the
 * build could not end otherwise before the test harness's timeout), puts all traffic back on the old colour, and
 * the build ends ABORTED with a log that says who aborted.
 */
public class AbortDuringBakeTest {
    static MotoServer moto;
    static EcsRolloutFront rollouts;

    @Rule
    public JenkinsRule r = new JenkinsRule();

    @BeforeClass
    public static void startAws() {
        moto = MotoServer.with(Map.of("MOTO_ECS_SERVICE_RUNNING", "2"));
        rollouts = EcsRolloutFront.start(moto.url());
    }

    @AfterClass
    public static void stopAws() {
        rollouts.close();
    }

    @Test
    public void anAbortDuringTheBakeRollsBackAndTheBuildIsAborted() throws Exception {
        moto.reset();
        rollouts.reset();
        JenkinsAws.credential(r);
        JenkinsAws.environment(r, rollouts.url(), BlueGreenWorld.REGION);
        try (BlueGreenWorld w = BlueGreenWorld.standard(moto.url())) {
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
