package dev.awsdeploy.jenkins;

import dev.awsdeploy.Steps;
import dev.awsdeploy.run.AbortSignal;
import dev.awsdeploy.run.BadInputException;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.run.Outcome;
import dev.awsdeploy.run.Secrets;
import dev.awsdeploy.run.StepDefinition;
import dev.awsdeploy.run.StepFailedException;
import dev.awsdeploy.run.StepResult;
import dev.awsdeploy.run.StepRun;
import hudson.AbortException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Runs one engine step the way the CLI does, with Jenkins parts: the build's environment, the Jenkins credential,
 * the build log, a state file in the build's folder and the build's abort. Used on the controller and, for
 * ecrPush, on the agent; what it returns is plain text, so it crosses the remoting channel as it is.
 */
final class Engine {
    private Engine() {
    }

    /** The engine's definition of a step (and action), from the same list the CLI builds its commands from. */
    static StepDefinition definition(String step, String action) throws AbortException {
        List<StepDefinition> all = Steps.all();
        for (StepDefinition d : all) {
            if (d.step().equals(step) && (action == null ? d.action() == null : action.equals(d.action()))) {
                return d;
            }
        }
        List<String> actions = all.stream().filter(d -> d.step().equals(step) && d.action() != null)
                .map(StepDefinition::action).collect(Collectors.toList());
        if (!actions.isEmpty()) {
            throw new AbortException(step + ": " + (action == null ? "action is required" : "action '" + action
                    + "' is not one of " + String.join(", ", actions)) + "; write e.g. " + step + " action: '"
                    + actions.get(0) + "', ... (actions: " + String.join(", ", actions) + ")");
        }
        throw new AbortException(step + ": this version of the aws-deploy engine has no such step; update the "
                + "aws-deploy plugin");
    }

    /**
     * Runs the step to its end in this thread (waits sleep here; an abort wakes them). With a state file, a run
     * that finds state there continues it instead of starting over.
     */
    static EngineReport run(StepDefinition d, Map<String, Object> input, Map<String, String> env,
                            AwsCredentialsProvider credentials, boolean defaultChain, PrintStream log, Path stateFile,
                            AbortSignal abort, Consumer<String> status) {
        Secrets secrets = new Secrets();
        StepRun.Builder b = StepRun.builder(d.step(), d.action()).env(env).abort(abort).secrets(secrets)
                .listener(new BuildLog(log, status)).stateFile(stateFile).defaultChain(defaultChain);
        if (credentials != null) {
            b.credentials(credentials);
        }
        try (StepRun run = b.build()) {
            StepResult result;
            try {
                result = run.finish(d.runner().run(new LinkedHashMap<>(input), run));
            } catch (BadInputException e) {
                return EngineReport.badInput(secrets.redact(e.getMessage()));
            } catch (StepFailedException | SdkException e) {
                String why = secrets.redact(describe(e));
                result = run.finish(StepResult.of(Outcome.ERROR, "error", why, Map.of("message", why)));
            }
            return new EngineReport(result.outcome().name(), secrets.redact(result.summary()),
                    secrets.redact(Json.write(result.toMap())), run.recordJson(), null);
        } catch (BadInputException e) {
            return EngineReport.badInput(secrets.redact(e.getMessage()));
        } catch (RuntimeException e) {
            // Keep the stack for the log, never an unredacted message.
            IllegalStateException clean = new IllegalStateException(d.step() + ": unexpected error: "
                    + secrets.redact(String.valueOf(e)));
            clean.setStackTrace(e.getStackTrace());
            throw clean;
        }
    }

    /** A one-line account of an AWS failure: service, status, AWS's error code and words. */
    static String describe(Exception e) {
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null) {
            var det = a.awsErrorDetails();
            return det.serviceName() + " answered " + a.statusCode() + " " + det.errorCode() + ": "
                    + det.errorMessage();
        }
        return e.getMessage();
    }
}
