package dev.awsdeploy.aws;

import dev.awsdeploy.run.BadInputException;
import dev.awsdeploy.run.Params;
import dev.awsdeploy.run.RunSession;
import dev.awsdeploy.run.Secrets;
import dev.awsdeploy.run.StepRun;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;

/**
 * Everything one step run needs to talk to AWS: the region, the credentials (optionally an assumed role that
 * refreshes itself), endpoints from the SDK's own variables ({@code AWS_ENDPOINT_URL},
 * {@code AWS_ENDPOINT_URL_<SERVICE>}) so the same binary talks to AWS, a VPC endpoint or an emulator, retries
 * with backoff and jitter on throttling, and a counter of API calls. Clients are built once per service.
 */
public final class AwsContext implements RunSession {
    private final Region region;
    private final AwsCredentialsProvider credentials;
    private final Map<String, String> env;
    private final int maxAttempts;
    private final ApiCalls calls = new ApiCalls();
    private final Secrets secrets;
    private final Map<Class<?>, AutoCloseable> clients = new ConcurrentHashMap<>();
    private volatile Map<String, Object> identity;
    /** The context of the base credentials an assumed role is obtained with; closed with this one. */
    private AwsContext base;

    private AwsContext(Builder b, Region region, AwsCredentialsProvider credentials) {
        this.region = region;
        this.env = b.env;
        this.secrets = b.secrets;
        this.maxAttempts = b.maxAttempts;
        this.credentials = credentials;
    }

    /**
     * What every run in this JVM shares: one HTTP client (connections are per host, not per run) and one scheduled
     * executor for the SDK's call timeouts. Without them each SDK client starts its own pool of timeout threads: a
     * hundred waiting deploys would hold hundreds of threads. Clients given these do not close them; {@link
     * #shutdownShared()} does (the plugin, when Jenkins stops).
     */
    private static final class Shared {
        private static SdkHttpClient http;
        private static ScheduledExecutorService timeouts;

        static synchronized SdkHttpClient http() {
            if (http == null) {
                http = UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60))
                        .tlsTrustManagersProvider(DefaultTrust.provider())
                        .build();
            }
            return http;
        }

        static synchronized ScheduledExecutorService timeouts() {
            if (timeouts == null) {
                ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, "aws-deploy-sdk-timeouts");
                    t.setDaemon(true);
                    return t;
                });
                pool.setRemoveOnCancelPolicy(true);
                timeouts = pool;
            }
            return timeouts;
        }

        static synchronized void shutdown() {
            if (http != null) {
                http.close();
                http = null;
            }
            if (timeouts != null) {
                timeouts.shutdownNow();
                timeouts = null;
            }
        }
    }

    /**
     * A context the CLI starts building before its command line is parsed (the region as the command line gives
     * it, the environment's credentials), so a step's first reads need not wait for the parsing. The run takes it
     * over when its own settings turn out the same (no role, no credentials of the caller's); otherwise it builds
     * its own, and this one is closed unused. At most one is offered at a time.
     */
    public static final class Early {
        private final String region;
        private final Map<String, String> env;
        private final boolean defaultChain;
        private final Secrets secrets = new Secrets();
        private final java.util.concurrent.CompletableFuture<AwsContext> context =
                new java.util.concurrent.CompletableFuture<>();

        private Early(String region, Map<String, String> env, boolean defaultChain) {
            this.region = region;
            this.env = Map.copyOf(env);
            this.defaultChain = defaultChain;
        }

        /** Builds the context (on the caller's thread); null when it cannot be built (the run will say why). */
        public AwsContext build() {
            try {
                AwsContext ctx = builder().env(env).region(region).defaultChain(defaultChain).secrets(secrets).build();
                context.complete(ctx);
                return ctx;
            } catch (RuntimeException e) {
                context.completeExceptionally(e);
                return null;
            }
        }

        boolean sameAs(String region, Map<String, String> env, boolean defaultChain) {
            return java.util.Objects.equals(this.region, region) && this.env.equals(env)
                    && this.defaultChain == defaultChain;
        }
    }

    private static final java.util.concurrent.atomic.AtomicReference<Early> EARLY =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * Offers a context for the run about to start, built by {@link Early#build} on the caller's thread: the region
     * as the command line names it (null: from the environment), the environment the run will have, and whether
     * it may fall back to the SDK's default credentials chain.
     */
    public static Early offerEarly(String region, Map<String, String> env, boolean defaultChain) {
        Early e = new Early(region, env, defaultChain);
        EARLY.set(e);
        return e;
    }

    /** The offered context, if its settings are this run's and it could be built; the offer is taken either way. */
    private static AwsContext takeEarly(StepRun run, String region, boolean plain) {
        Early e = EARLY.getAndSet(null);
        if (e == null) {
            return null;
        }
        if (!plain || !e.sameAs(region, run.env(), run.defaultChain())) {
            e.context.thenAccept(AwsContext::close);
            return null;
        }
        try {
            AwsContext ctx = e.context.join();
            e.secrets.shareWith(run.secrets());
            return ctx;
        } catch (java.util.concurrent.CompletionException failed) {
            return null; // built again below, which says what is wrong
        }
    }

    /** Builds the HTTP client every run shares, if it is not built yet (a CLI's head start does it early). */
    public static void buildSharedHttp() {
        Shared.http();
    }

    /** Closes the shared HTTP client and timeout thread; runs started afterwards get new ones. */
    public static void shutdownShared() {
        Shared.shutdown();
    }

    /**
     * The AWS context of a run, for the validated input's common parameters: built once per run, closed with it.
     * Resolving region and credentials can fail as bad input; the caller identity is read and told once.
     */
    public static AwsContext forRun(StepRun run, Params p) {
        AwsContext[] opened = new AwsContext[1];
        AwsContext aws = run.session(AwsContext.class, () -> opened[0] = open(run, p));
        if (opened[0] != null) {
            // Held by the run before the first call, so even a failing GetCallerIdentity is counted and closed.
            // The first start-up read: tried per the one transient-failure policy, like every other read.
            Map<String, Object> who = new LinkedHashMap<>(RetryPolicy.call(aws::identity, run.clock(), run.abort(),
                    m -> run.progress().say("aws", "AWS call failed at start-up: " + m)));
            who.put("region", aws.region().id());
            if (run.env().get("BUILD_URL") != null) {
                who.put("buildUrl", run.env().get("BUILD_URL"));
            }
            run.record().identity(who);
            run.progress().say("identity", "AWS account " + who.get("account") + " as " + who.get("arn") + " in "
                    + aws.region().id(), who);
        }
        return aws;
    }

    /**
     * As {@link #forRun}, without the STS call: the step tells who it acts as itself (ecrPush names the registry's
     * account from the ECR authorization token it needs anyway).
     */
    public static AwsContext forRunWithoutIdentity(StepRun run, Params p) {
        return run.session(AwsContext.class, () -> open(run, p));
    }

    private static AwsContext open(StepRun run, Params p) {
        String region = p.string("region");
        String roleArn = p.string("roleArn");
        if (roleArn != null && !roleArn.matches("arn:aws[\\w-]*:iam::\\d{12}:role/[\\w+=,.@/-]+")) {
            p.problem("roleArn", roleArn, "is not an IAM role ARN",
                    "write it like arn:aws:iam::123456789012:role/deployer");
        }
        Integer duration = p.integer("roleDurationSeconds", null, 900, 43200);
        p.check();
        AwsContext early = takeEarly(run, region, roleArn == null && p.string("externalId") == null
                && p.string("roleSessionName") == null && duration == null && run.credentials() == null);
        if (early != null) {
            return early;
        }
        Builder b = builder().env(run.env()).region(region).secrets(run.secrets()).defaultChain(run.defaultChain())
                .role(roleArn, p.string("externalId"), p.string("roleSessionName"), duration);
        if (run.credentials() != null) {
            b.credentials(run.credentials());
        }
        return b.build();
    }

    @Override
    public Map<String, Integer> callsByOperation() {
        return calls.byOperation();
    }

    @Override
    public Map<String, Integer> attemptsByOperation() {
        return calls.attemptsByOperation();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Region region() {
        return region;
    }

    public ApiCalls calls() {
        return calls;
    }

    public Secrets secrets() {
        return secrets;
    }

    public Map<String, String> env() {
        return env;
    }

    public AwsCredentialsProvider credentials() {
        return credentials;
    }

    /**
     * The client of one service, configured for this run; built once and reused.
     *
     * @param serviceEnvName the service's name in {@code AWS_ENDPOINT_URL_<NAME>} (ECS, ECR, CLOUDWATCH,
     *                       ELASTIC_LOAD_BALANCING_V2, CODEDEPLOY, S3, STS)
     */
    @SuppressWarnings("unchecked")
    public <C extends AutoCloseable, B extends AwsClientBuilder<B, C>> C client(
            Class<C> type, java.util.function.Supplier<B> builder, String serviceEnvName) {
        return (C) clients.computeIfAbsent(type, t -> configure(builder.get(), serviceEnvName).build());
    }

    /** Applies region, credentials, endpoint, retries and call counting to any SDK client builder. */
    public <C, B extends AwsClientBuilder<B, C>> B configure(B builder, String serviceEnvName) {
        return configure(builder, serviceEnvName, null);
    }

    /**
     * The same, with another HTTP client than the shared one ({@code null}: the shared one, built when the first
     * client needs it).
     */
    public <C, B extends AwsClientBuilder<B, C>> B configure(B builder, String serviceEnvName, SdkHttpClient http) {
        builder.region(region).credentialsProvider(credentials);
        URI endpoint = endpointFor(serviceEnvName);
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        builder.overrideConfiguration(overrides());
        if (builder instanceof software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<?, ?> sync) {
            sync.httpClient(http != null ? http : Shared.http());
        }
        return builder;
    }

    public ClientOverrideConfiguration overrides() {
        return ClientOverrideConfiguration.builder()
                .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(maxAttempts).build())
                .addExecutionInterceptor(calls)
                .apiCallAttemptTimeout(Duration.ofSeconds(60))
                .scheduledExecutorService(Shared.timeouts())
                .build();
    }

    /** The endpoint the SDK's variables name for this service, or null for AWS's own. */
    public URI endpointFor(String serviceEnvName) {
        String specific = env.get("AWS_ENDPOINT_URL_" + serviceEnvName.toUpperCase(Locale.ROOT));
        String value = specific != null && !specific.isBlank() ? specific : env.get("AWS_ENDPOINT_URL");
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return URI.create(value.trim());
        } catch (IllegalArgumentException e) {
            throw new BadInputException("AWS_ENDPOINT_URL", value, "is not a URL", "set it like https://host:port");
        }
    }

    public StsClient sts() {
        return client(StsClient.class, StsClient::builder, "STS");
    }

    /**
     * Who we are, read once (account and ARN only, never keys). The STS client it takes is closed at once: a run
     * that waits for an hour needs no STS client (an assumed role's refresh has its own, in the base context).
     */
    public Map<String, Object> identity() {
        if (identity == null) {
            GetCallerIdentityResponse who;
            try (StsClient sts = configure(StsClient.builder(), "STS").build()) {
                who = sts.getCallerIdentity();
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("account", who.account());
            m.put("arn", who.arn());
            identity = m;
        }
        return identity;
    }

    @Override
    public void close() {
        clients.values().forEach(c -> {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing is best effort
            }
        });
        // The HTTP client is shared (see Shared); it stays open for the other runs.
        if (base != null) {
            base.close();
        }
    }

    public static final class Builder {
        private String region;
        private Map<String, String> env = System.getenv();
        private AwsCredentialsProvider credentials;
        private boolean defaultChain = true;
        private String roleArn;
        private String externalId;
        private String roleSessionName;
        private Integer roleDurationSeconds;
        private int maxAttempts = 0;
        private Secrets secrets = new Secrets();

        public Builder region(String r) {
            this.region = r;
            return this;
        }

        /** The environment to read AWS_* variables from (the process environment by default). */
        public Builder env(Map<String, String> e) {
            this.env = Map.copyOf(e);
            return this;
        }

        /** Credentials from the caller (the plugin's Jenkins credential); otherwise from the environment. */
        public Builder credentials(AwsCredentialsProvider p) {
            this.credentials = p;
            return this;
        }

        /** Whether to fall back to the SDK's default chain (profiles, container and instance roles). */
        public Builder defaultChain(boolean use) {
            this.defaultChain = use;
            return this;
        }

        public Builder role(String arn, String external, String sessionName, Integer durationSeconds) {
            this.roleArn = arn;
            this.externalId = external;
            this.roleSessionName = sessionName;
            this.roleDurationSeconds = durationSeconds;
            return this;
        }

        public Builder maxAttempts(int n) {
            this.maxAttempts = n;
            return this;
        }

        public Builder secrets(Secrets s) {
            this.secrets = s;
            return this;
        }

        /** Resolves region and credentials now, so their absence is bad input before any call. */
        public AwsContext build() {
            Region r = resolveRegion();
            if (maxAttempts <= 0) {
                maxAttempts = attemptsFromEnv();
            }
            AwsCredentialsProvider base = registering(baseCredentials());
            AwsContext ctx;
            if (roleArn != null) {
                AwsContext baseCtx = new AwsContext(this, r, base);
                StsClient sts = baseCtx.sts();
                AssumeRoleRequest.Builder req = AssumeRoleRequest.builder()
                        .roleArn(roleArn)
                        .roleSessionName(roleSessionName != null ? roleSessionName : defaultSessionName())
                        .durationSeconds(roleDurationSeconds != null ? roleDurationSeconds : 3600);
                if (externalId != null) {
                    req.externalId(externalId);
                }
                AwsCredentialsProvider assumed = StsAssumeRoleCredentialsProvider.builder()
                        .stsClient(sts).refreshRequest(req.build()).asyncCredentialUpdateEnabled(false).build();
                ctx = new AwsContext(this, r, registering(assumed));
                ctx.base = baseCtx;
            } else {
                ctx = new AwsContext(this, r, base);
                base.resolveCredentials();
            }
            return ctx;
        }

        private Region resolveRegion() {
            String value = firstNonBlank(region, env.get("AWS_REGION"), env.get("AWS_DEFAULT_REGION"));
            if (value == null) {
                throw new BadInputException("region", null, "no AWS region given",
                        "pass region (--region) or set AWS_REGION in the environment");
            }
            if (!value.matches("[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d")) {
                throw new BadInputException("region", value, "is not an AWS region name",
                        "use a name like eu-west-1 or ap-northeast-2");
            }
            return Region.of(value);
        }

        private int attemptsFromEnv() {
            String v = env.get("AWS_MAX_ATTEMPTS");
            if (v != null) {
                try {
                    int n = Integer.parseInt(v.trim());
                    if (n >= 1 && n <= 20) {
                        return n;
                    }
                } catch (NumberFormatException ignored) {
                    // fall through to the default, and say so below
                }
                throw new BadInputException("AWS_MAX_ATTEMPTS", v, "must be a whole number from 1 to 20",
                        "unset it to use the default of 6 attempts");
            }
            return 6;
        }

        private AwsCredentialsProvider baseCredentials() {
            if (credentials != null) {
                return credentials;
            }
            String key = env.get("AWS_ACCESS_KEY_ID");
            String secret = env.get("AWS_SECRET_ACCESS_KEY");
            if (key != null && !key.isBlank() && secret != null && !secret.isBlank()) {
                String token = env.get("AWS_SESSION_TOKEN");
                AwsCredentials c = token != null && !token.isBlank()
                        ? AwsSessionCredentials.create(key, secret, token)
                        : AwsBasicCredentials.create(key, secret);
                return StaticCredentialsProvider.create(c);
            }
            if (defaultChain) {
                DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build();
                try {
                    chain.resolveCredentials();
                    return chain;
                } catch (SdkException e) {
                    // fall through: no credentials anywhere
                }
            }
            throw new BadInputException("credentials", null, "no AWS credentials found",
                    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or give credentialsId in "
                            + "Jenkins");
        }

        /** Every credential this run resolves, also refreshed role credentials, becomes a known secret. */
        private AwsCredentialsProvider registering(AwsCredentialsProvider p) {
            return () -> {
                AwsCredentials c = p.resolveCredentials();
                secrets.add(c.accessKeyId());
                secrets.add(c.secretAccessKey());
                if (c instanceof AwsSessionCredentials s) {
                    secrets.add(s.sessionToken());
                }
                return c;
            };
        }

        private String defaultSessionName() {
            String tag = firstNonBlank(env.get("BUILD_TAG"), "aws-deploy-" + System.currentTimeMillis() / 1000);
            String clean = tag.replaceAll("[^\\w+=,.@-]", "-");
            return clean.length() > 64 ? clean.substring(0, 64) : clean;
        }

        private static String firstNonBlank(String... values) {
            for (String v : values) {
                if (v != null && !v.isBlank()) {
                    return v.trim();
                }
            }
            return null;
        }
    }
}
