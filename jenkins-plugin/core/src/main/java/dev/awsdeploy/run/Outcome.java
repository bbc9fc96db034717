package dev.awsdeploy.run;

/** How a step ended, and the process exit code each ending maps to. */
public enum Outcome {
    SUCCEEDED(0),
    /** The step did not reach its goal (an alarm fired, a deployment failed); what it changed was put back. */
    FAILED(3),
    TIMED_OUT(4),
    BAD_INPUT(2),
    ERROR(1);

    private final int exitCode;

    Outcome(int exitCode) {
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
