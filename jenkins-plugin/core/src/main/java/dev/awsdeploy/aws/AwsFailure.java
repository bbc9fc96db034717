package dev.awsdeploy.aws;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/** One line a person can act on for an AWS failure: which service answered what, in AWS's own words. */
public final class AwsFailure {
    private AwsFailure() {
    }

    public static String describe(Throwable e) {
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null) {
            var det = a.awsErrorDetails();
            return det.serviceName() + " answered " + a.statusCode() + " " + det.errorCode() + ": "
                    + det.errorMessage();
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** Whether {@code e} came from AWS or from trying to reach it. */
    public static boolean isAws(Throwable e) {
        return e instanceof SdkException;
    }
}
