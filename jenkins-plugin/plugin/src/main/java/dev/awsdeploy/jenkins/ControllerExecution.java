package dev.awsdeploy.jenkins;

import dev.awsdeploy.run.AbortSignal;
import dev.awsdeploy.run.MachineScheduler;
import dev.awsdeploy.run.StepDefinition;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Util;
import hudson.model.Queue;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.model.queue.Tasks;
import hudson.security.ACL;
import java.io.File;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.model.Jenkins;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.springframework.security.core.Authentication;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * Runs a step's engine on the controller without holding the Pipeline thread, an executor or any thread while it
 * waits: {@link #start()} hands the step's first piece to Jenkins' timer and returns at once, and each later tick of
 * its machine is a timer task of its own (see {@link ControllerWork}), as SleepStep schedules its wake-up.
 * <p>
 * Survives a controller restart (the long steps: ecsBlueGreen, codeDeployRolling, cloudWatchAlarm wait): the
 * engine saves its machine's state after every tick to {@code <build>/aws-deploy/<id>/state.json}; this object
 * keeps only plain serialisable fields (the input, the credentials id, the non-secret environment, that id).
 * After a restart {@link #onResume()} starts the engine again with the same input and state file, and the engine
 * re-reads AWS and continues from the saved state (keeping its deadlines) instead of starting over. Short steps
 * that cannot resume fail on resume with a message saying so (re-running them is safe: they are idempotent).
 * <p>
 * Aborting the build calls {@link #stop(Throwable)}, which sets the engine's abort signal: the waiting machine is
 * woken at once, makes AWS safe (puts traffic back, stops the deployment) and ends; only then does the step end,
 * with the build's abort as its cause. The abort reason names who or what aborted.
 */
final class ControllerExecution extends StepExecution {
    private static final long serialVersionUID = 1L;
    private static final Logger LOGGER = Logger.getLogger(ControllerExecution.class.getName());

    private final String step;
    private final String action;
    private final String label;
    private final boolean resumable;
    private final String credentialsId;
    private final HashMap<String, WorkspaceFile> files;
    /** A name for this step run: its folder under the build's folder and its record's URL. */
    private final String id;
    private LinkedHashMap<String, Object> input;
    private boolean staged;
    private HashMap<String, String> environment;

    private transient volatile AbortSignal abort;
    private transient volatile boolean running;
    private transient volatile Throwable stopCause;
    private transient volatile String lastEvent;

    ControllerExecution(EngineStep s, StepContext context) {
        super(context);
        this.step = s.stepName();
        this.action = s.action();
        this.label = s.label();
        this.resumable = s.resumable();
        this.credentialsId = s.getCredentialsId();
        this.files = new HashMap<>(s.workspaceFiles());
        this.id = s.stepName() + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.input = s.engineInput();
    }

    @Override
    public boolean start() throws Exception {
        EnvVars env = getContext().get(EnvVars.class);
        environment = Environment.persistable(env == null ? Map.of() : env);
        // The CPS thread runs as the build's authentication; the engine's work does too (ACL.as2).
        launch(false, Jenkins.getAuthentication2());
        return false;
    }

    @Override
    public void onResume() {
        if (!resumable) {
            getContext().onFailure(new AbortException(label + " was running when the controller restarted and "
                    + "cannot continue; it is safe to run it again (re-run the stage)"));
            return;
        }
        Authentication auth = ACL.SYSTEM2;
        try {
            Run<?, ?> run = getContext().get(Run.class);
            if (run != null && run.getParent() instanceof Queue.Task task) {
                auth = Tasks.getAuthenticationOf2(task);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            LOGGER.log(Level.FINE, "no build to take the authentication of after resume of " + label, e);
        }
        launch(true, auth);
    }

    @Override
    public void stop(Throwable cause) throws Exception {
        stopCause = cause;
        AbortSignal signal = abort;
        if (signal != null && running) {
            // The machine wakes now and ends the step once AWS is safe.
            signal.abort(AbortReasons.of(cause));
        } else {
            getContext().onFailure(cause);
        }
    }

    @Override
    public String getStatus() {
        String last = lastEvent;
        return label + (last == null ? ": starting" : ": " + last);
    }

    @Override
    public boolean blocksRestart() {
        return !resumable;
    }

    private void launch(boolean resumed, Authentication auth) {
        AbortSignal signal = new AbortSignal();
        abort = signal;
        running = true;
        ControllerWork.submit(auth, () -> begin(signal, resumed, auth));
    }

    /** On a timer thread: the step's first piece; the rest is scheduled by the engine. */
    private void begin(AbortSignal signal, boolean resumed, Authentication auth) {
        StepContext context = getContext();
        MachineScheduler scheduler = ControllerWork.scheduler();
        File home = null;
        try {
            Run<?, ?> run = context.get(Run.class);
            TaskListener listener = context.get(TaskListener.class);
            home = new File(run.getRootDir(), "aws-deploy/" + id);
            StepDefinition definition = Engine.definition(step, action);
            FilePath workspace = workspace(context, resumed);
            if (!staged) {
                input = WorkspaceInputs.stage(workspace, new File(home, "inputs"), input, files, label);
                staged = true;
                context.saveState();
            }
            if (resumed) {
                listener.getLogger().println(label + ": the controller restarted; continuing from the saved state");
            }
            AwsCredentialsProvider credentials = JenkinsCredentials.forRun(credentialsId, run, label);
            File inputs = new File(home, "inputs");
            Engine.start(definition, input, environment(context, resumed), credentials, false, listener.getLogger(),
                            resumable ? new File(home, "state.json").toPath() : null, signal,
                            message -> lastEvent = message, scheduler, ControllerWork.as(auth))
                    .whenComplete((report, thrown) -> ControllerWork.as(auth).accept(
                            () -> end(scheduler, report, thrown, run, listener, workspace, inputs)));
        } catch (Throwable t) {
            end(scheduler, null, t, null, null, null, home == null ? null : new File(home, "inputs"));
        }
    }

    private void end(MachineScheduler scheduler, EngineReport report, Throwable thrown, Run<?, ?> run,
                     TaskListener listener, FilePath workspace, File inputs) {
        if (scheduler.isClosed()) {
            return; // Jenkins is stopping: the step resumes from its saved state after the restart
        }
        running = false;
        StepContext context = getContext();
        try {
            if (thrown != null) {
                throw thrown instanceof CompletionException && thrown.getCause() != null ? thrown.getCause() : thrown;
            }
            Object result = Results.deliver(report, label, id, run, listener, workspace);
            Throwable stopped = stopCause;
            if (stopped != null) {
                context.onFailure(stopped);
            } else {
                context.onSuccess(result);
            }
        } catch (Throwable t) {
            Throwable stopped = stopCause;
            context.onFailure(stopped != null ? stopped : t);
        } finally {
            if (inputs != null) {
                deleteInputs(inputs);
            }
        }
    }

    /** The workspace, if the step runs inside node {} and its agent is there (it may not be after a restart). */
    private FilePath workspace(StepContext context, boolean resumed) throws IOException, InterruptedException {
        try {
            return context.get(FilePath.class);
        } catch (IOException | RuntimeException e) {
            if (!resumed) {
                throw e;
            }
            LOGGER.log(Level.FINE, "no workspace after resume of " + label, e);
            return null;
        }
    }

    /** The build's environment now; after a restart, the saved non-secret part if it cannot be read. */
    private Map<String, String> environment(StepContext context, boolean resumed)
            throws IOException, InterruptedException {
        try {
            EnvVars env = context.get(EnvVars.class);
            if (env != null) {
                return Environment.forController(env);
            }
        } catch (IOException | RuntimeException e) {
            if (!resumed) {
                throw e;
            }
            LOGGER.log(Level.FINE, "environment not readable after resume of " + label, e);
        }
        return environment == null ? new HashMap<>() : environment;
    }

    private static void deleteInputs(File inputs) {
        try {
            if (inputs.exists()) {
                Util.deleteRecursive(inputs);
            }
        } catch (IOException e) {
            LOGGER.log(Level.WARNING, "cannot delete " + inputs, e);
        }
    }
}
