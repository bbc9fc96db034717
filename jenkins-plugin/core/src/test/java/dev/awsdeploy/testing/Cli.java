package dev.awsdeploy.testing;

import dev.awsdeploy.cli.AwsDeployCli;
import dev.awsdeploy.run.AbortSignal;
import dev.awsdeploy.run.StepClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the CLI in this JVM with a given environment, capturing what it prints and its exit code. */
public final class Cli {
    /** What one run printed and returned. */
    public record Run(int exit, String out, String err) {
        public String all() {
            return out + "\n" + err;
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private final Map<String, String> env = new HashMap<>();
    private StepClock clock = StepClock.system();
    private AbortSignal abort = new AbortSignal();

    public Cli(String endpoint) {
        env.put("AWS_ACCESS_KEY_ID", "testing");
        env.put("AWS_SECRET_ACCESS_KEY", "testing");
        env.put("AWS_REGION", "eu-west-1");
        env.put("AWS_MAX_ATTEMPTS", "3");
        if (endpoint != null) {
            env.put("AWS_ENDPOINT_URL", endpoint);
        }
    }

    public Cli env(String name, String value) {
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
        return this;
    }

    public Cli clock(StepClock c) {
        this.clock = c;
        return this;
    }

    public Cli abort(AbortSignal a) {
        this.abort = a;
        return this;
    }

    public Map<String, String> env() {
        return env;
    }

    public Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = new AwsDeployCli(env, o, e, clock, abort, false).execute(args);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    public Run run(List<String> args) {
        return run(args.toArray(new String[0]));
    }

    public static List<String> args(String... a) {
        return new ArrayList<>(List.of(a));
    }
}
