package dev.awsdeploy.run;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * One run of one step: its environment, clock, abort signal, progress, deployment record and (once the input
 * is valid) its session with AWS ({@link RunSession}, opened by the aws package). The CLI and the plugin each
 * build one and hand it to the step.
 */
public final class StepRun implements AutoCloseable {
    private final String step;
    private final Map<String, String> env;
    private final StepClock clock;
    private final AbortSignal abort;
    private final Secrets secrets;
    private final Path stateFile;
    private final AwsCredentialsProvider credentials;
    private final boolean defaultChain;
    private final DeploymentRecord record;
    private final Progress progress;
    private final MachineScheduler scheduler;
    private final java.util.function.Consumer<Runnable> around;
    private RunSession session;
    private boolean dryRun;

    private StepRun(Builder b) {
        this.step = b.step;
        this.env = b.env;
        this.clock = b.clock;
        this.abort = b.abort;
        this.secrets = b.secrets;
        this.stateFile = b.stateFile;
        this.credentials = b.credentials;
        this.defaultChain = b.defaultChain;
        this.scheduler = b.scheduler;
        this.around = b.around;
        registerSecrets(b.env, b.credentials, secrets);
        this.record = new DeploymentRecord(b.step, b.action, clock.now());
        ProgressListener target = b.listener;
        this.progress = new Progress(e -> target.on(new Event(e.at(), e.type(), secrets.redact(e.message()),
                e.data())), clock, record);
    }

    /**
     * The keys this run may act with are known secrets before any input is read, checked or printed: a secret
     * pasted into a parameter (a duration, a name) is redacted from the bad-input message that quotes it.
     */
    private static void registerSecrets(Map<String, String> env, AwsCredentialsProvider credentials, Secrets secrets) {
        for (String k : List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")) {
            secrets.add(env.get(k));
        }
        if (credentials != null) {
            AwsCredentials c = credentials.resolveCredentials();
            if (c != null) {
                secrets.add(c.accessKeyId());
                secrets.add(c.secretAccessKey());
                if (c instanceof AwsSessionCredentials session) {
                    secrets.add(session.sessionToken());
                }
            }
        }
    }

    public static Builder builder(String step, String action) {
        return new Builder(step, action);
    }

    /**
     * The run's session (its AWS context), opened by the first caller with {@code open} and closed with the run.
     * Its API calls go into the result and the record.
     */
    public <S extends RunSession> S session(Class<S> type, Supplier<S> open) {
        if (session == null) {
            session = open.get();
        }
        return type.cast(session);
    }

    /** The credentials the front end resolved (the plugin's Jenkins credential), or null for the default chain. */
    public AwsCredentialsProvider credentials() {
        return credentials;
    }

    /** Whether the SDK's default credentials chain may be used when no credentials were given. */
    public boolean defaultChain() {
        return defaultChain;
    }

    /** Reads dryRun once the step has declared its parameters. */
    public boolean dryRun(Params p) {
        dryRun = p.bool("dryRun", false);
        return dryRun;
    }

    public <S> StateStore<S> stateStore(Class<S> type, String fingerprint) {
        return stateFile == null ? StateStore.none() : new FileStateStore<>(stateFile, type, fingerprint);
    }

    public MachineRunner runner() {
        return new MachineRunner(clock, abort, scheduler, around, progress);
    }

    /** Completes the record with the outcome and the API calls made. */
    public StepResult finish(StepResult result) {
        Map<String, Integer> calls = session == null ? Map.of() : session.callsByOperation();
        // HTTP attempts behind the calls (retries included): what throttling and outages cost.
        Map<String, Integer> attempts = calls.isEmpty() ? Map.of() : session.attemptsByOperation();
        Map<String, Object> fields = new LinkedHashMap<>(result.fields());
        if (!calls.isEmpty()) {
            fields.put("apiCalls", calls);
            fields.put("apiAttempts", attempts);
        }
        StepResult complete = StepResult.of(result.outcome(), result.status(), result.summary(), fields);
        record.finish(clock.now(), result.outcome(), calls, attempts, complete.toMap());
        return complete;
    }

    public String step() {
        return step;
    }

    public Map<String, String> env() {
        return env;
    }

    public StepClock clock() {
        return clock;
    }

    public AbortSignal abort() {
        return abort;
    }

    public Secrets secrets() {
        return secrets;
    }

    public Progress progress() {
        return progress;
    }

    public DeploymentRecord record() {
        return record;
    }

    public boolean isDryRun() {
        return dryRun;
    }

    /** The deployment record as JSON, with every known secret redacted. */
    public String recordJson() {
        return secrets.redact(Json.pretty(record));
    }

    @Override
    public void close() {
        if (session != null) {
            session.close();
        }
    }

    public static final class Builder {
        private final String step;
        private final String action;
        private Map<String, String> env = System.getenv();
        private StepClock clock = StepClock.system();
        private AbortSignal abort = new AbortSignal();
        private Secrets secrets = new Secrets();
        private ProgressListener listener = e -> { };
        private Path stateFile;
        private AwsCredentialsProvider credentials;
        private boolean defaultChain = true;
        private MachineScheduler scheduler;
        private java.util.function.Consumer<Runnable> around = Runnable::run;

        private Builder(String step, String action) {
            this.step = step;
            this.action = action;
        }

        public Builder env(Map<String, String> e) {
            this.env = Map.copyOf(e);
            return this;
        }

        public Builder clock(StepClock c) {
            this.clock = c;
            return this;
        }

        public Builder abort(AbortSignal a) {
            this.abort = a;
            return this;
        }

        public Builder secrets(Secrets s) {
            this.secrets = s;
            return this;
        }

        public Builder listener(ProgressListener l) {
            this.listener = l;
            return this;
        }

        public Builder stateFile(Path p) {
            this.stateFile = p;
            return this;
        }

        public Builder credentials(AwsCredentialsProvider p) {
            this.credentials = p;
            return this;
        }

        public Builder defaultChain(boolean use) {
            this.defaultChain = use;
            return this;
        }

        /** Where the step's machine waits without a thread; none runs it in the caller's thread. */
        public Builder scheduler(MachineScheduler s) {
            this.scheduler = s;
            return this;
        }

        /** What each scheduled tick runs inside (the plugin: the build's authentication). */
        public Builder around(java.util.function.Consumer<Runnable> a) {
            this.around = a;
            return this;
        }

        public StepRun build() {
            return new StepRun(this);
        }
    }
}
