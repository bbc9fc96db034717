package dev.awsdeploy.testing;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.codedeploy.CodeDeployClient;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * SDK clients a test uses to look at AWS afterwards (independent of the engine's own set-up). Static factory
 * methods, so Groovy 2.4 tests can use them too (it cannot call static interface methods such as builder()).
 */
public final class AwsClients {
    private AwsClients() {
    }

    public static <B extends AwsClientBuilder<B, C>, C> C configure(B builder, String endpoint, String region) {
        return builder.endpointOverride(URI.create(endpoint)).region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
                .build();
    }

    public static CloudWatchClient cloudWatch(String endpoint, String region) {
        return configure(CloudWatchClient.builder(), endpoint, region);
    }

    public static EcrClient ecr(String endpoint, String region) {
        return configure(EcrClient.builder(), endpoint, region);
    }

    public static EcsClient ecs(String endpoint, String region) {
        return configure(EcsClient.builder(), endpoint, region);
    }

    public static ElasticLoadBalancingV2Client elasticLoadBalancingV2(String endpoint, String region) {
        return configure(ElasticLoadBalancingV2Client.builder(), endpoint, region);
    }

    public static CodeDeployClient codeDeploy(String endpoint, String region) {
        return configure(CodeDeployClient.builder(), endpoint, region);
    }

    /** S3 with path-style addressing, as emulators on loopback need. */
    public static S3Client s3(String endpoint, String region) {
        return configure(S3Client.builder().forcePathStyle(true), endpoint, region);
    }
}
