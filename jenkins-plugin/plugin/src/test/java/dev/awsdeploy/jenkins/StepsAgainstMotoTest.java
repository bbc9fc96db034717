package dev.awsdeploy.jenkins;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import com.cloudbees.jenkins.plugins.awscredentials.AWSCredentialsImpl;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import dev.awsdeploy.codedeploy.CodeDeployFake;
import dev.awsdeploy.ecs.BlueGreenWorld;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.testing.AwsClients;
import dev.awsdeploy.testing.AwsFront;
import hudson.model.Fingerprint;
import hudson.model.Result;
import java.util.List;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.Before;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.codedeploy.CodeDeployClient;

/**
 * Every step from a scripted Pipeline, against moto started by the test, with an AWS credential from the store;
 * the endpoint reaches the engine through the build's environment. Each test asserts what AWS looks like afterwards
 * (read back from moto), what the build log said, and that the credential's secret key is never in it.
 */
public class StepsAgainstMotoTest {
    private static final String REGION = BlueGreenWorld.REGION;
    @ClassRule
    public static AwsEmulators aws = new AwsEmulators();

    @Rule
    public JenkinsRule r = new JenkinsRule();

    private AWSCredentialsImpl credential;

    @Before
    public void given() throws Exception {
        aws.reset();
        credential = JenkinsAws.credential(r);
        JenkinsAws.environment(r, aws.endpoint(), REGION, "AWS_DEPLOY_SHIFT_MINUTE=1s");
    }

    private WorkflowRun build(String script, Result expected) throws Exception {
        WorkflowJob p = r.jenkins.createProject(WorkflowJob.class, "p" + System.nanoTime());
        p.setDefinition(new CpsFlowDefinition(script, true));
        WorkflowRun b = r.buildAndAssertStatus(expected, p);
        r.assertLogNotContains(JenkinsAws.SECRET_KEY, b);
        return b;
    }

    private static String alarmArgs() {
        return "alarmName: 'HighErrorRate', namespace: 'MyApp', metricName: 'Errors', statistic: 'Sum', period: 60, "
                + "evaluationPeriods: 1, threshold: 5, comparisonOperator: 'GreaterThanThreshold', "
                + "credentialsId: '" + JenkinsAws.CREDENTIALS_ID + "'";
    }

    private static MetricAlarm alarm(String name) {
        try (CloudWatchClient cw = AwsClients.cloudWatch(aws.moto().url(), REGION)) {
            List<MetricAlarm> found = cw.describeAlarms(b -> b.alarmNames(name)).metricAlarms();
            return found.isEmpty() ? null : found.get(0);
        }
    }

    @Test
    public void cloudWatchAlarmPutCreatesTheAlarmReturnsTheMapAndTheCredentialRecordsTheBuild() throws Exception {
        WorkflowRun b = build("def first = cloudWatchAlarm " + alarmArgs() + "\n"
                + "echo \"first=${first.status}\"\n"
                + "def second = cloudWatchAlarm action: 'put', " + alarmArgs() + "\n"
                + "echo \"second=${second.status} outcome=${second.outcome}\"\n", Result.SUCCESS);

        r.assertLogContains("first=created", b);
        r.assertLogContains("second=unchanged outcome=SUCCEEDED", b);
        r.assertLogContains("AWS account 123456789012", b);
        MetricAlarm a = alarm("HighErrorRate");
        assertNotNull("the alarm exists in moto", a);
        assertEquals(5.0, a.threshold(), 0.0);
        assertEquals("Errors", a.metricName());
        assertEquals("each step's record is attached to the build", 2,
                b.getActions(DeploymentRecordAction.class).size());
        // Usage tracking: the credential's fingerprint lists this build.
        Fingerprint fp = CredentialsProvider.getFingerprintOf(credential);
        assertNotNull("the credential was tracked", fp);
        assertTrue(fp.getJobs().contains(b.getParent().getFullName()));
        assertTrue(fp.getRangeSet(b.getParent()).includes(b.getNumber()));
    }

    @Test
    public void anAlarmWaitFailsTheBuildSoonAfterTheAlarmEntersAlarm() throws Exception {
        try (CloudWatchClient cw = AwsClients.cloudWatch(aws.moto().url(), REGION)) {
            cw.putMetricAlarm(a -> a.alarmName("HighErrorRate").namespace("MyApp").metricName("Errors")
                    .statistic("Sum").period(60).evaluationPeriods(1).threshold(5.0)
                    .comparisonOperator("GreaterThanThreshold"));
        }
        aws.moto().setAlarmState(REGION, "HighErrorRate", "OK");
        WorkflowJob p = r.jenkins.createProject(WorkflowJob.class, "gate");
        // The endpoint through withEnv this time: straight to moto, not the rollout simulator.
        p.setDefinition(new CpsFlowDefinition("withEnv(['AWS_ENDPOINT_URL=" + aws.moto().url() + "']) {\n"
                + "  cloudWatchAlarm action: 'wait', alarms: ['HighErrorRate'], duration: '10m', pollInterval: '1s', "
                + "credentialsId: '" + JenkinsAws.CREDENTIALS_ID + "'\n}\n", true));
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        r.waitForMessage("Watching HighErrorRate", b);
        aws.moto().setAlarmState(REGION, "HighErrorRate", "ALARM");

        r.assertBuildStatus(Result.FAILURE, r.waitForCompletion(b));
        r.assertLogContains("HighErrorRate is ALARM", b);
        r.assertLogNotContains(JenkinsAws.SECRET_KEY, b);
    }

    @Test
    public void ecsBlueGreenAllAtOnceMovesAllTrafficToTheNewColour() throws Exception {
        try (BlueGreenWorld w = BlueGreenWorld.standard(aws.moto().url())) {
            WorkflowRun b = build("def d = ecsBlueGreen cluster: 'prod', service: 'myapp', listenerRuleArn: '"
                    + w.rule + "', image: '" + BlueGreenWorld.V2 + "', trafficShift: 'AllAtOnce', bakeTime: '0s', "
                    + "credentialsId: '" + JenkinsAws.CREDENTIALS_ID + "'\necho \"live=${d.liveColor}\"",
                    Result.SUCCESS);

            r.assertLogContains("live=green", b);
            assertEquals(new Weights(0, 100), w.weights());
            assertEquals(BlueGreenWorld.V2, w.image("myapp-green"));
            assertEquals(BlueGreenWorld.V1, w.image("myapp-blue"));
        }
    }

    @Test
    public void anEcsBlueGreenCanaryRollsBackWhenTheAlarmFiresDuringTheCanary() throws Exception {
        try (BlueGreenWorld w = BlueGreenWorld.standard(aws.moto().url())) {
            WorkflowJob p = r.jenkins.createProject(WorkflowJob.class, "canary");
            p.setDefinition(new CpsFlowDefinition("ecsBlueGreen cluster: 'prod', service: 'myapp', listenerRuleArn: '"
                    + w.rule + "', image: '" + BlueGreenWorld.V2 + "', trafficShift: 'Canary10Percent5Minutes', "
                    + "alarms: ['HighErrorRate'], pollInterval: '1s', credentialsId: '" + JenkinsAws.CREDENTIALS_ID
                    + "'", true));
            WorkflowRun b = p.scheduleBuild2(0).waitForStart();
            r.waitForMessage("Holding 10 %", b);
            aws.moto().setAlarmState(REGION, "HighErrorRate", "ALARM");

            r.assertBuildStatus(Result.FAILURE, r.waitForCompletion(b));
            r.assertLogContains("HighErrorRate is ALARM", b);
            assertEquals("all traffic is back on the old colour", new Weights(100, 0), w.weights());
            assertEquals(BlueGreenWorld.V1, w.image("myapp-blue"));
            r.assertLogNotContains(JenkinsAws.SECRET_KEY, b);
        }
    }

    @Test
    public void codeDeployRollingCreatesOneDeploymentAndWaitsForItsSuccess() throws Exception {
        AwsFront front = new AwsFront(moto);
        front.beforeEach(null);
        try {
            CodeDeployFake fake = new CodeDeployFake(front);
            fake.givenApplication(moto, "Server", "myapp/app-1.2.3.zip", "CodeDeployDefault.OneAtATime");
            fake.lifecycle(CodeDeployFake.look("Created"), CodeDeployFake.look("InProgress").counts(2, 1, 0, 0, 0),
                    CodeDeployFake.look("Succeeded").counts(0, 0, 3, 0, 0));
            WorkflowRun b = build("withEnv(['AWS_ENDPOINT_URL=" + front.url() + "', 'AWS_REGION=eu-west-1']) {\n"
                    + "  def d = codeDeployRolling application: 'myapp', deploymentGroup: 'prod', s3Bucket: 'releases', "
                    + "s3Key: 'myapp/app-1.2.3.zip', eTag: 'etag-not-checked-by-moto', credentialsId: '"
                    + JenkinsAws.CREDENTIALS_ID + "'\n  echo \"status=${d.status} id=${d.deploymentId}\"\n}",
                    Result.SUCCESS);

            r.assertLogContains("status=Succeeded", b);
            List<String> created;
            try (CodeDeployClient cd = AwsClients.codeDeploy(aws.moto().url(), "eu-west-1")) {
                created = cd.listDeployments(l -> l.applicationName("myapp").deploymentGroupName("prod"))
                        .deployments();
            }
            assertEquals(1, created.size());
            r.assertLogContains("id=" + created.get(0), b);
            assertEquals("the eTag property reaches the engine", "etag-not-checked-by-moto",
                    fake.requests("CreateDeployment").get(0).path("revision").path("s3Location").path("eTag")
                            .asText());
        } finally {
            front.afterEach(null);
        }
    }

    @Test
    public void aSecretKeyGivenAsADurationIsRedactedFromTheBadInputMessage() throws Exception {
        WorkflowRun b = build("cloudWatchAlarm action: 'wait', alarms: ['HighErrorRate'], duration: '"
                + JenkinsAws.SECRET_KEY + "', credentialsId: '" + JenkinsAws.CREDENTIALS_ID + "'", Result.FAILURE);
        r.assertLogContains("bad input: duration '****'", b);
        assertFalse(JenkinsRule.getLog(b).contains("fake/secret"));
    }
}
