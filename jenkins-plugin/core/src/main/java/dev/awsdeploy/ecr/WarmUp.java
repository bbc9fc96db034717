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
import software.amazon.awssdk.regions.ServiceMetadata;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.DescribeRepositoriesRequest;

/**
 * The CLI's head start for a push: while the command line is parsed and the source is read, two background threads
 * prepare what the push's first requests need.
 * <ul>
 * <li>The run's own AWS context and ECR client, built from the region the command line names and the environment's
 * keys ({@link AwsContext#offerEarly}); the run takes them over once its input is checked, if its settings are the
 * same. No request is made: the run makes its reads itself, after its input was checked. For a command line that
 * assumes a role, or credentials that only the SDK's default chain finds (which may ask the instance metadata
 * service or STS), an ECR client is built with throwaway credentials instead and its two first requests are made
 * to a canned client that answers {@code {}}, so that the run finds the SDK's classes loaded.</li>
 * <li>The registry's HTTP stack: a blob and a manifest pushed to a canned transport (TLS only when the registry
 * speaks it).</li>
 * </ul>
 * Nothing leaves the machine before the run's input is checked.
 */
public final class WarmUp {
    /** Flags that make the run's AWS context an assumed role's, which the head start does not build. */
    private static final List<String> ROLE_FLAGS = List.of("--role-arn", "--external-id", "--role-session-name",
            "--role-duration-seconds");

    private WarmUp() {
    }

    public static void start(String[] args, Map<String, String> env) {
        boolean plainHttp = flag(args, "--registry-url").startsWith("http://");
        boolean ownRole = ROLE_FLAGS.stream().anyMatch(f -> !flag(args, f).isEmpty());
        // Keys in the environment (how the Jenkins library hands over a credential) are read without a request;
        // the default chain may ask the instance metadata service, STS or SSO, which waits for the checked input.
        boolean keys = !env.getOrDefault("AWS_ACCESS_KEY_ID", "").isBlank()
                && !env.getOrDefault("AWS_SECRET_ACCESS_KEY", "").isBlank();
        if (ownRole || !keys) {
            thread("aws-deploy-warm-up-aws", () -> aws(env));
        } else {
            String region = flag(args, "--region");
            // The CLI's runs fall back to the default credentials chain (see AwsDeployCli.main).
            AwsContext.Early offer = AwsContext.offerEarly(region.isEmpty() ? null : region, env, true);
            thread("aws-deploy-warm-up-aws", () -> {
                AwsContext ctx = offer.build();
                if (ctx != null) {
                    ctx.client(EcrClient.class, EcrClient::builder, "ECR");
                }
            });
        }
        thread("aws-deploy-warm-up-registry", () -> {
            // First what the other thread's client build would otherwise do itself, on the way to the push's first
            // requests: the SDK's region and service metadata (some 370 classes, initialised when a client resolves
            // its signing region) and the SDK's HTTP client (its TLS context). Then Jackson (the source's manifest is
            // read with it soon) and the registry's stack. Measured on the 2-core benchmark: the 1 KiB push 15 ms
            // sooner, the 210 MB push 0.02-0.03 s.
            ServiceMetadata.of("api.ecr");
            AwsContext.buildSharedHttp();
            Json.write(Map.of("warm", List.of(1)));
            EcrRegistry.warmUp(!plainHttp);
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

    /** The value of {@code --name VALUE} or {@code --name=VALUE} in a command line, or "". */
    static String flag(String[] args, String name) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(name) && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith(name + "=")) {
                return args[i].substring(name.length() + 1);
            }
        }
        return "";
    }
}
