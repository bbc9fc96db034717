package dev.awsdeploy.ecr;

import dev.awsdeploy.aws.AwsContext;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.run.Secrets;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.DescribeRepositoriesRequest;

/**
 * The CLI's head start for a push: while the command line is parsed and the source is read, two background threads
 * load and initialise the AWS SDK's ECR client (built, and its two first requests made with throwaway credentials
 * to a canned client that answers {@code {}}) and the registry's HTTP stack (a blob and a manifest pushed to a
 * canned transport; TLS only when the registry speaks it). Nothing leaves the machine and nothing of the run's is
 * touched: the run builds its own clients, which then find every class loaded and initialised.
 */
public final class WarmUp {
    private WarmUp() {
    }

    public static void start(String[] args, Map<String, String> env) {
        boolean plainHttp = registryUrl(args).startsWith("http://");
        thread("aws-deploy-warm-up-aws", () -> aws(env));
        thread("aws-deploy-warm-up-registry", () -> {
            // First Jackson (the source's manifest is read with it soon), then the registry's stack, then the AWS
            // SDK's HTTP client (its TLS context): the other thread, which has more to do, does not wait for it.
            Json.write(Map.of("warm", List.of(1)));
            EcrRegistry.warmUp(!plainHttp);
            AwsContext.buildSharedHttp();
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
        t.start();
    }

    static void aws(Map<String, String> env) {
        // A region AwsContext refuses ends the warm-up (the run then says what is wrong with it).
        String region = env.getOrDefault("AWS_REGION", "us-east-1");
        // The requests go to a canned HTTP client: each is marshalled, signed, "sent" and its answer unmarshalled
        // like the run's will be.
        try (AwsContext ctx = AwsContext.builder().env(env).region(region).secrets(new Secrets())
                .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("warm-up", "warm-up")))
                .maxAttempts(1).build();
             EcrClient ecr = ctx.configure(EcrClient.builder(), "ECR", new Canned()).build()) {
            ecr.getAuthorizationToken();
            ecr.describeRepositories(DescribeRepositoriesRequest.builder().repositoryNames("warm-up").build());
        }
    }

    /** Answers every request with an empty JSON object, without sending anything. */
    private static final class Canned implements SdkHttpClient {
        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            return new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() throws IOException {
                    if (request.contentStreamProvider().isPresent()) {
                        try (InputStream in = request.contentStreamProvider().get().newStream()) {
                            in.readAllBytes();
                        }
                    }
                    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
                    return HttpExecuteResponse.builder()
                            .response(SdkHttpResponse.builder().statusCode(200)
                                    .putHeader("Content-Type", "application/x-amz-json-1.1")
                                    .putHeader("Content-Length", String.valueOf(body.length))
                                    .putHeader("x-amzn-RequestId", "warm-up").build())
                            .responseBody(AbortableInputStream.create(new ByteArrayInputStream(body))).build();
                }

                @Override
                public void abort() {
                    // nothing is in flight
                }
            };
        }

        @Override
        public void close() {
            // nothing to close
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
