package dev.awsdeploy.jenkins;

import static org.junit.Assert.assertEquals;

import dev.awsdeploy.ecs.BlueGreenWorld;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.testing.AwsClients;
import hudson.model.Result;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.AfterClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsSessionRule;
import software.amazon.awssdk.services.ecs.EcsClient;

/**
 * A controller restart in the middle of a canary: the step resumes from its saved state (traffic stays where it
 * was, the deadline is kept) and finishes; the task definition it registered before the restart is the one that
 * goes live, and no second one is registered.
 */
public class RestartMidWaitTest {
    @ClassRule
    public static AwsEmulators aws = new AwsEmulators();
    /** The AWS side outlives the controller's restart, as AWS does. */
    static BlueGreenWorld world;

    @Rule
    public JenkinsSessionRule sessions = new JenkinsSessionRule();

    @AfterClass
    public static void closeWorld() {
        if (world != null) {
            world.close();
        }
    }

    private static int revisions() {
        try (EcsClient ecs = AwsClients.ecs(aws.moto().url(), BlueGreenWorld.REGION)) {
            return ecs.listTaskDefinitions(b -> b.familyPrefix("myapp")).taskDefinitionArns().size();
        }
    }

    @Test
    public void aCanaryResumesAfterARestartWithoutASecondTaskDefinition() throws Throwable {
        sessions.then(r -> {
            aws.reset();
            world = BlueGreenWorld.standard(aws.moto().url());
            JenkinsAws.credential(r);
            // A canary minute of 3 s: 15 s at 10 %, long enough to restart in the middle.
            JenkinsAws.environment(r, aws.endpoint(), BlueGreenWorld.REGION, "AWS_DEPLOY_SHIFT_MINUTE=3s");
            WorkflowJob p = r.jenkins.createProject(WorkflowJob.class, "deploy");
            p.setDefinition(new CpsFlowDefinition("def d = ecsBlueGreen cluster: 'prod', service: 'myapp', "
                    + "listenerRuleArn: '" + world.rule + "', image: '" + BlueGreenWorld.V2 + "', trafficShift: "
                    + "'Canary10Percent5Minutes', bakeTime: '0s', credentialsId: '" + JenkinsAws.CREDENTIALS_ID
                    + "'\necho \"live=${d.liveColor}\"", true));
            WorkflowRun b = p.scheduleBuild2(0).waitForStart();
            r.waitForMessage("Holding 10 %", b);
            assertEquals("v1 and the deploy's v2", 2, revisions());
            assertEquals(new Weights(90, 10), world.weights());
        });
        sessions.then(r -> {
            WorkflowRun b = r.jenkins.getItemByFullName("deploy", WorkflowJob.class).getBuildByNumber(1);
            r.assertBuildStatus(Result.SUCCESS, r.waitForCompletion(b));
            r.assertLogContains("the controller restarted; continuing from the saved state", b);
            r.assertLogContains("live=green", b);
            assertEquals(new Weights(0, 100), world.weights());
            assertEquals(BlueGreenWorld.V2, world.image("myapp-green"));
            assertEquals("no second task definition after the restart", 2, revisions());
            r.assertLogNotContains(JenkinsAws.SECRET_KEY, b);
        });
    }
}
