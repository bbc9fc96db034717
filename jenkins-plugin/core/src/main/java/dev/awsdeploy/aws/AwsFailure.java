package dev.awsdeploy.aws;

import dev.awsdeploy.run.DeploymentRecord;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * One line a person can act on for an AWS failure: which call of which service at which endpoint (host only),
 * how many attempts over how long, AWS's own words — and, for a step that stops on it, what had been changed.
 */
public final class AwsFailure {
    private AwsFailure() {
    }

    /**
     * E.g. "Ecs UpdateService at ecs.eu-west-1.amazonaws.com failed after 6 attempts over 9.8 s: ECS answered 400 …".
     */
    public static String describe(Throwable e) {
        Optional<ApiCalls.Failure> f = ApiCalls.failureOf(e);
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null) {
            var det = a.awsErrorDetails();
            String answer = det.serviceName() + " answered " + a.statusCode()
                    + (det.errorCode() == null ? "" : " " + det.errorCode())
                    + (det.errorMessage() == null ? "" : ": " + det.errorMessage());
            return f.map(x -> x.describe() + ": " + answer).orElse(answer);
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /**
     * A step's last word on a failure that ended it: {@link #describe} and what the run had changed ("nothing was
     * changed", or its actions), saying so when the failed call itself may have taken effect (no answer).
     */
    public static String report(Throwable e, DeploymentRecord record) {
        StringBuilder b = new StringBuilder(describe(e));
        List<DeploymentRecord.Action> done = List.copyOf(record.getActions());
        Optional<ApiCalls.Failure> f = ApiCalls.failureOf(e);
        boolean lost = e instanceof SdkException && !(e instanceof AwsServiceException) && f.isPresent()
                && mutating(f.get().operation());
        if (done.isEmpty()) {
            b.append(lost ? "; nothing else was changed (whether " + f.get().operation() + " took effect is unknown: "
                    + "its answer was lost)" : "; nothing was changed");
        } else {
            b.append("; changed before it: ");
            b.append(String.join(", ", done.stream().map(a -> a.action() + " " + a.target()).toList()));
            if (lost) {
                b.append(" (whether ").append(f.get().operation()).append(" took effect is unknown: its answer was "
                        + "lost)");
            }
        }
        return b.toString();
    }

    /** Whether an operation changes something (by AWS's naming: reads are Describe/List/Get…). */
    static boolean mutating(String operation) {
        for (String read : new String[] {"Describe", "List", "Get", "BatchGet", "BatchCheck", "Head"}) {
            if (operation.startsWith(read)) {
                return false;
            }
        }
        return true;
    }
}
