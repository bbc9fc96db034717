package dev.awsdeploy.cloudwatch;

import dev.awsdeploy.aws.AwsContext;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;

/** The CloudWatch client of a run. */
public final class CloudWatch {
    private CloudWatch() {
    }

    public static CloudWatchClient client(AwsContext aws) {
        return aws.client(CloudWatchClient.class, CloudWatchClient::builder, "CLOUDWATCH");
    }
}
