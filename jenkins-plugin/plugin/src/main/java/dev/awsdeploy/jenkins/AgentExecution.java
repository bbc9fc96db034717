package dev.awsdeploy.jenkins;

import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.SynchronousNonBlockingStepExecution;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * Runs a short step's engine on the agent that holds the workspace (ecrPush: an image archive of hundreds of MB
 * is pushed from where it was built, never copied to the controller; {@code docker:IMAGE} reads the agent's
 * daemon). The controller resolves the Jenkins credential and sends only the resolved keys with the call; the
 * engine's events are written to the build log from the agent. Not resumable: a restart fails the step, and
 * re-running it is safe (a push of what is already there uploads nothing).
 */
final class AgentExecution extends SynchronousNonBlockingStepExecution<Map<String, Object>> {
    private static final long serialVersionUID = 1L;

    /** Used once, in {@link #run()}; never needed after a restart, since this execution does not resume. */
    private final transient EngineStep step;

    AgentExecution(EngineStep step, StepContext context) {
        super(context);
        this.step = step;
    }

    /** A push cannot continue after a restart; say so, and that running it again is safe. */
    @Override
    public void onResume() {
        getContext().onFailure(new AbortException("ecrPush was running when the controller restarted and cannot "
                + "continue: run it again (re-run the stage); a push of what is already in the registry uploads "
                + "nothing"));
    }

    @Override
    protected Map<String, Object> run() throws Exception {
        StepContext context = getContext();
        Run<?, ?> run = context.get(Run.class);
        TaskListener listener = context.get(TaskListener.class);
        FilePath workspace = context.get(FilePath.class);
        EnvVars env = context.get(EnvVars.class);
        String label = step.label();
        String id = step.stepName() + "-" + UUID.randomUUID().toString().substring(0, 8);
        Engine.definition(step.stepName(), step.action()); // fail here, not on the agent, if the engine lacks it
        AwsCredentialsProvider provider = JenkinsCredentials.forRun(step.getCredentialsId(), run, label);
        AgentEngineCall call;
        if (provider == null) {
            call = new AgentEngineCall(step.stepName(), step.action(), step.engineInput(),
                    Environment.forEngine(env), null, null, null, listener);
        } else {
            AwsCredentials keys = provider.resolveCredentials();
            String token = keys instanceof AwsSessionCredentials session ? session.sessionToken() : null;
            call = new AgentEngineCall(step.stepName(), step.action(), step.engineInput(),
                    Environment.forEngine(env), keys.accessKeyId(), keys.secretAccessKey(), token, listener);
        }
        EngineReport report = EngineReport.fromJson(workspace.act(call));
        LinkedHashMap<String, Object> result = Results.deliver(report, label, id, run, listener, workspace);
        return result;
    }
}
