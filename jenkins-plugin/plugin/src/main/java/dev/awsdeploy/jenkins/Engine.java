package dev.awsdeploy.jenkins;

import dev.awsdeploy.Steps;
import dev.awsdeploy.run.AbortSignal;
import dev.awsdeploy.run.BadInputException;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.run.MachineScheduler;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
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

    /** Runs the step to its end in this thread (on the agent: ecrPush, which has no machine). */
    static EngineReport run(StepDefinition d, Map<String, Object> input, Map<String, String> env,
                            AwsCredentialsProvider credentials, boolean defaultChain, PrintStream log, Path stateFile,
                            AbortSignal abort, Consumer<String> status) {
        try {
            return start(d, input, env, credentials, defaultChain, log, stateFile, abort, status, null, Runnable::run)
                    .join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * Starts the step in this thread: it reads its input, plans and acts until its first wait, then returns. A
     * long step's waits are ticks on {@code scheduler} that hold no thread between them; the future completes when
     * the step ends. With a state file, a run that finds state there continues it instead of starting over.
     *
     * @param around what each scheduled tick runs inside (the build's authentication)
     */
    static CompletableFuture<EngineReport> start(StepDefinition d, Map<String, Object> input, Map<String, String> env,
                                                 AwsCredentialsProvider credentials, boolean defaultChain,
                                                 PrintStream log, Path stateFile, AbortSignal abort,
                                                 Consumer<String> status, MachineScheduler scheduler,
                                                 Consumer<Runnable> around) {
        Secrets secrets = new Secrets();
        StepRun.Builder b = StepRun.builder(d.step(), d.action()).env(env).abort(abort).secrets(secrets)
                .listener(new BuildLog(log, status)).stateFile(stateFile).defaultChain(defaultChain)
                .scheduler(scheduler).around(around);
        if (credentials != null) {
            b.credentials(credentials);
        }
        StepRun run;
        try {
            // Registers the credential's keys as secrets before anything is read or printed.
            run = b.build();
        } catch (BadInputException e) {
            return CompletableFuture.completedFuture(EngineReport.badInput(secrets.redact(e.getMessage())));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(unexpected(d, e, secrets));
        }
        CompletableFuture<StepResult> result;
        try {
            result = d.runner().run(new LinkedHashMap<>(input), run).completion();
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        return result.handle((r, thrown) -> {
            try (run) {
                return report(d, run, secrets, r, thrown);
            }
        });
    }

    private static EngineReport report(StepDefinition d, StepRun run, Secrets secrets, StepResult r, Throwable thrown) {
        Throwable t = thrown instanceof CompletionException && thrown.getCause() != null ? thrown.getCause() : thrown;
        StepResult result;
        if (t == null) {
            result = run.finish(r);
        } else if (t instanceof BadInputException e) {
            return EngineReport.badInput(secrets.redact(e.getMessage()));
        } else if (t instanceof StepFailedException || t instanceof SdkException) {
            String why = secrets.redact(dev.awsdeploy.aws.AwsFailure.report(t, run.record()));
            result = run.finish(StepResult.of(Outcome.ERROR, "error", why, Map.of("message", why)));
        } else if (t instanceof RuntimeException e) {
            throw unexpected(d, e, secrets);
        } else {
            throw new IllegalStateException(d.step() + ": " + secrets.redact(String.valueOf(t)), t);
        }
        return new EngineReport(result.outcome().name(), secrets.redact(result.summary()),
                secrets.redact(Json.write(result.toMap())), run.recordJson(), null);
    }

    /** Keeps the stack for the log, never an unredacted message. */
    private static IllegalStateException unexpected(StepDefinition d, RuntimeException e, Secrets secrets) {
        IllegalStateException clean = new IllegalStateException(d.step() + ": unexpected error: "
                + secrets.redact(String.valueOf(e)));
        clean.setStackTrace(e.getStackTrace());
        return clean;
    }
}
