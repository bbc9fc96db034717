package dev.awsdeploy.jenkins;

import dev.awsdeploy.run.AbortSignal;
import dev.awsdeploy.run.StepDefinition;
import hudson.model.TaskListener;
import hudson.remoting.VirtualChannel;
import java.io.File;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import jenkins.MasterToSlaveFileCallable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The engine run of one step on the agent, with the workspace as its folder. Returns the engine's report as JSON
 * text. Keys are sent only when the step names a Jenkins credential; otherwise the engine reads AWS_* keys from
 * the build's environment or, on the agent only, the SDK's default chain (the agent's instance or task role).
 */
final class AgentEngineCall extends MasterToSlaveFileCallable<String> {
    private static final long serialVersionUID = 1L;

    private final String step;
    private final String action;
    private final LinkedHashMap<String, Object> input;
    private final HashMap<String, String> env;
    private final String accessKeyId;
    private final String secretAccessKey;
    private final String sessionToken;
    private final TaskListener listener;

    AgentEngineCall(String step, String action, LinkedHashMap<String, Object> input, HashMap<String, String> env,
                    String accessKeyId, String secretAccessKey, String sessionToken, TaskListener listener) {
        this.step = step;
        this.action = action;
        this.input = input;
        this.env = env;
        this.accessKeyId = accessKeyId;
        this.secretAccessKey = secretAccessKey;
        this.sessionToken = sessionToken;
        this.listener = listener;
    }

    @Override
    public String invoke(File workspace, VirtualChannel channel) throws IOException, InterruptedException {
        StepDefinition d = Engine.definition(step, action);
        LinkedHashMap<String, Object> here = new LinkedHashMap<>(input);
        if (here.get("source") instanceof String source) {
            here.put("source", ImageSource.inWorkspace(workspace, source));
        }
        StaticCredentialsProvider credentials = null;
        if (accessKeyId != null) {
            AwsCredentials keys = sessionToken != null
                    ? AwsSessionCredentials.create(accessKeyId, secretAccessKey, sessionToken)
                    : AwsBasicCredentials.create(accessKeyId, secretAccessKey);
            credentials = StaticCredentialsProvider.create(keys);
        }
        Thread current = Thread.currentThread();
        ClassLoader previous = current.getContextClassLoader();
        current.setContextClassLoader(AgentEngineCall.class.getClassLoader());
        try {
            return Engine.run(d, here, env, credentials, credentials == null, listener.getLogger(), null,
                    new AbortSignal(), message -> { }).toJson();
        } finally {
            current.setContextClassLoader(previous);
        }
    }
}
