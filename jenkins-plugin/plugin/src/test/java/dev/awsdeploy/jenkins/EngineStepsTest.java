package dev.awsdeploy.jenkins;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import hudson.model.Result;
import hudson.model.TaskListener;
import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.structs.describable.DescribableModel;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.Rule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;

/**
 * The steps inside a real Jenkins, without AWS: they are registered under the engine's names, bind Jenkinsfile
 * values to the engine's parameter types, and fail before any AWS call with the engine's own words when the input,
 * the credential or the context is wrong. (Runs only with -Pjenkins; see SIGNATURES.md.)
 */
public class EngineStepsTest {
    @Rule
    public JenkinsRule r = new JenkinsRule();

    private WorkflowRun failing(String script) throws Exception {
        WorkflowJob p = r.jenkins.createProject(WorkflowJob.class, "p" + System.nanoTime());
        p.setDefinition(new CpsFlowDefinition(script, true));
        return r.buildAndAssertStatus(Result.FAILURE, p);
    }

    @Test
    public void jenkinsfileValuesBindToTheEngineParameterTypes() throws Exception {
        CloudWatchAlarmStep s = DescribableModel.of(CloudWatchAlarmStep.class).instantiate(Map.of(
                "action", "put", "alarmName", "HighErrorRate", "threshold", 5, "period", 60,
                "dimensions", List.of("LoadBalancer=app/myapp-alb/50dc6c495c0c9188"), "dryRun", true),
                TaskListener.NULL);
        assertEquals(Double.valueOf(5), s.getThreshold());
        assertEquals(Integer.valueOf(60), s.getPeriod());
        assertEquals(List.of("LoadBalancer=app/myapp-alb/50dc6c495c0c9188"), s.getDimensions());
        assertNull("not given stays not given, so the engine applies its default", s.getUnit());
        assertEquals(Map.of("alarmName", "HighErrorRate", "threshold", 5.0, "period", 60,
                "dimensions", List.of("LoadBalancer=app/myapp-alb/50dc6c495c0c9188"), "dryRun", true),
                s.engineInput());
        assertThrows(Exception.class, () -> DescribableModel.of(EcsBlueGreenStep.class)
                .instantiate(Map.of("cluster", "prod", "alarms", Map.of("not", "a list")), TaskListener.NULL));
    }

    @Test
    public void badInputFailsTheStepWithEveryProblemBeforeAnyAwsCall() throws Exception {
        WorkflowRun b = failing("cloudWatchAlarm action: 'wait', alarms: ['HighErrorRate'], duration: '5 min', "
                + "alarmName: 'x', region: 'eu-west-1'");
        r.assertLogContains("cloudWatchAlarm wait: bad input", b);
        r.assertLogContains("duration '5 min'", b);
        r.assertLogContains("alarmName 'x': unknown parameter", b);
    }

    @Test
    public void anUnknownActionIsNamedWithTheActionsThereAre() throws Exception {
        WorkflowRun b = failing("cloudWatchAlarm action: 'get', alarmName: 'x'");
        r.assertLogContains("action 'get' is not one of put, delete, wait, putMetric", b);
    }

    @Test
    public void anUnknownCredentialsIdIsNamed() throws Exception {
        WorkflowRun b = failing("cloudWatchAlarm action: 'delete', alarmName: 'x', region: 'eu-west-1', "
                + "credentialsId: 'no-such-credential'");
        r.assertLogContains("credentialsId 'no-such-credential': no AWS credential with this id", b);
    }

    @Test
    public void withoutCredentialsTheControllerStepsRefuseRatherThanUseTheControllersIdentity() throws Exception {
        WorkflowRun b = failing("cloudWatchAlarm action: 'delete', alarmName: 'x', region: 'eu-west-1'");
        r.assertLogContains("no AWS credentials found", b);
    }

    @Test
    public void ecrPushRunsOnTheAgentSoItNeedsANode() throws Exception {
        WorkflowRun b = failing("ecrPush source: 'docker-archive:build/app.tar', repository: 'myapp'");
        r.assertLogContains("hudson.FilePath", b);
    }

    @Test
    public void aWorkspaceFileOutsideNodeIsRefusedWithTheFix() throws Exception {
        WorkflowRun b = failing("cloudWatchAlarm action: 'put', file: 'alarms/high-error-rate.json', "
                + "region: 'eu-west-1'");
        r.assertLogContains("call it inside node { }", b);
    }
}
