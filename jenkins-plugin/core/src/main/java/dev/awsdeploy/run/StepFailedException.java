package dev.awsdeploy.run;

/**
 * AWS refused or failed something the step needed, after the step's own retries; the step could not
 * carry on. The message says what was being done and what AWS answered.
 */
public class StepFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StepFailedException(String message) {
        super(message);
    }

    public StepFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
