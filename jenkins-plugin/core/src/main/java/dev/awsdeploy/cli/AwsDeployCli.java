package dev.awsdeploy.cli;

import dev.awsdeploy.Steps;
import dev.awsdeploy.run.AbortSignal;
import dev.awsdeploy.run.BadInputException;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.run.MachineScheduler;
import dev.awsdeploy.run.Outcome;
import dev.awsdeploy.run.Param;
import dev.awsdeploy.run.Problem;
import dev.awsdeploy.run.Secrets;
import dev.awsdeploy.run.StepClock;
import dev.awsdeploy.run.StepDefinition;
import dev.awsdeploy.run.StepFailedException;
import dev.awsdeploy.run.StepResult;
import dev.awsdeploy.run.StepRun;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * {@code aws-deploy}: the steps on the command line. Flags are built from each step's declared parameters
 * (kebab-case of the names the Jenkinsfile uses), so the CLI, the var and the plugin cannot drift apart.
 * Exit codes: 0 success, 2 bad input, 3 failed (rolled back where something was changed), 4 timed out,
 * 1 anything unexpected.
 */
public final class AwsDeployCli {
    public static final String VERSION = "0.1.0";

    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;
    private final StepClock clock;
    private final AbortSignal abort;
    private final boolean defaultChain;

    public AwsDeployCli(Map<String, String> env, PrintStream out, PrintStream err, StepClock clock, AbortSignal abort,
                        boolean defaultChain) {
        this.env = env;
        this.out = out;
        this.err = err;
        this.clock = clock;
        this.abort = abort;
        this.defaultChain = defaultChain;
    }

    public static void main(String[] args) {
        dev.awsdeploy.run.Startup.mainEntered();
        AbortSignal abort = new AbortSignal();
        Signals.onInterrupt(abort);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true,
                StandardCharsets.UTF_8);
        if (args.length > 0) {
            Steps.warmUp(args[0], args, System.getenv());
        }
        int code = new AwsDeployCli(System.getenv(), out, err, StepClock.system(), abort, true).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command line and returns the exit code. */
    public int execute(String... args) {
        CommandSpec root = withHelp(CommandSpec.create().name("aws-deploy").version("aws-deploy " + VERSION));
        root.usageMessage().description("Safe AWS releases: ecr-push, ecs-blue-green, code-deploy-rolling, "
                + "cloudwatch-alarm.", "", "Exit codes: 0 success, 2 bad input, 3 failed (rolled back), "
                + "4 timed out, 1 unexpected error.", "", "List flags (e.g. --alarms, --dimensions): "
                + LIST_HELP + ": --alarms A,B or --alarms A --alarms B.");
        Map<CommandSpec, StepDefinition> leaves = new LinkedHashMap<>();
        // A command line naming a step builds only that step's commands (picocli's model of every step costs a
        // short-lived CLI more than the step's own start-up); anything else (help, a typo) gets the whole tree.
        String first = args.length > 0 ? args[0] : "";
        List<StepDefinition> all = Steps.named(first);
        boolean named = all.stream().anyMatch(d -> firstWord(d).equals(first));
        if (!named) {
            root.addSubcommand("report", ReportCommand.spec());
        }
        for (StepDefinition d : all) {
            if (named && !firstWord(d).equals(first)) {
                continue;
            }
            CommandSpec parent = root;
            String[] words = d.cliPath().split(" ");
            for (int i = 0; i < words.length - 1; i++) {
                CommandLine sub = parent.subcommands().get(words[i]);
                if (sub == null) {
                    CommandSpec group = withHelp(CommandSpec.create().name(words[i]));
                    group.usageMessage().description(help("Actions of the " + d.step() + " step."));
                    parent.addSubcommand(words[i], group);
                    sub = parent.subcommands().get(words[i]);
                }
                parent = sub.getCommandSpec();
            }
            CommandSpec leaf = leaf(d);
            parent.addSubcommand(words[words.length - 1], leaf);
            leaves.put(parent.subcommands().get(words[words.length - 1]).getCommandSpec(), d);
        }
        CommandLine cl = new CommandLine(root);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        ParseResult parsed;
        try {
            parsed = cl.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            err.println("aws-deploy: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, new PrintWriter(err, true));
            err.println("Run with --help for the flags.");
            return Outcome.BAD_INPUT.exitCode();
        }
        if (CommandLine.printHelpIfRequested(parsed)) {
            return 0;
        }
        ParseResult leafResult = parsed;
        while (leafResult.hasSubcommand()) {
            leafResult = leafResult.subcommand();
        }
        StepDefinition d = leaves.get(leafResult.commandSpec());
        if (d == null && leafResult.commandSpec().name().equals("report") && leafResult.commandSpec().parent() == root) {
            return ReportCommand.run(leafResult, out, err);
        }
        if (d == null) {
            leafResult.commandSpec().commandLine().usage(err);
            return Outcome.BAD_INPUT.exitCode();
        }
        return runStep(d, leafResult);
    }

    private static String firstWord(StepDefinition d) {
        String path = d.cliPath();
        int space = path.indexOf(' ');
        return space < 0 ? path : path.substring(0, space);
    }

    /**
     * The standard -h/--help and -V/--version options, declared directly: picocli's mixin for them is read from
     * annotations by reflection, which a short-lived CLI pays for at every start.
     */
    static CommandSpec withHelp(CommandSpec spec) {
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
        return spec;
    }

    private static CommandSpec leaf(StepDefinition d) {
        CommandSpec spec = withHelp(CommandSpec.create());
        spec.usageMessage().description(help(d.summary()));
        for (Param p : d.allParams()) {
            OptionSpec.Builder o = OptionSpec.builder(p.flag()).paramLabel(label(p));
            switch (p.kind()) {
                case BOOL -> o.type(String.class).arity("0..1").fallbackValue("true").description(help(p.help()));
                // Not split here: one occurrence is a comma-separated list, several are one item each (so an
                // item may hold a comma).
                case LIST -> o.type(List.class).auxiliaryTypes(String.class).arity("1")
                        .description(help(p.help()), "(a list: A,B or the flag once per item)");
                default -> o.type(String.class).arity("1").description(help(p.help()));
            }
            spec.addOption(o.build());
        }
        spec.addOption(OptionSpec.builder("--output").type(String.class).paramLabel("text|json")
                .description("text (default): a summary line; json: the result as one JSON object on stdout")
                .build());
        spec.addOption(OptionSpec.builder("--record").type(Path.class).paramLabel("FILE")
                .description("write the deployment record (JSON) to FILE").build());
        spec.addOption(ReportCommand.option());
        spec.addOption(OptionSpec.builder("--state-file").type(Path.class).paramLabel("FILE")
                .description("keep the step's state in FILE; re-running with it resumes an interrupted run")
                .build());
        return spec;
    }

    /** How list flags are written, under every list flag's own help. */
    static final String LIST_HELP = "a comma-separated list, or the flag repeated once per item (an item that "
            + "holds a comma must be given this way)";

    /**
     * A description as picocli prints it verbatim: picocli formats descriptions ({@code %} specifiers) and
     * interpolates {@code ${...}} variables, so both are escaped.
     */
    static String help(String text) {
        return text == null ? "" : text.replace("%", "%%").replace("${", "$${");
    }

    /**
     * The value the step reads: a list flag given once is its text (the step splits it on commas); given
     * several times, the list of its occurrences, each one item.
     */
    private static Object value(OptionSpec o) {
        Object v = o.getValue();
        if (v instanceof List<?> l) {
            return l.size() == 1 ? String.valueOf(l.get(0)) : new ArrayList<>(l);
        }
        return v;
    }

    private static String label(Param p) {
        return switch (p.kind()) {
            case INT -> "N";
            case NUMBER -> "NUMBER";
            case BOOL -> "true|false";
            case LIST -> "A,B";
            case DURATION -> "DURATION";
            default -> "VALUE";
        };
    }

    private int runStep(StepDefinition d, ParseResult r) {
        Map<String, Object> input = new LinkedHashMap<>();
        for (Param p : d.allParams()) {
            OptionSpec o = r.commandSpec().findOption(p.flag());
            if (r.hasMatchedOption(o)) {
                input.put(p.name(), value(o));
            }
        }
        String output = r.matchedOptionValue("--output", "text");
        Path record = r.matchedOptionValue("--record", null);
        Path stateFile = r.matchedOptionValue("--state-file", null);
        Path report = r.matchedOptionValue(ReportCommand.FLAG, null);
        boolean json = "json".equalsIgnoreCase(output);
        if (!json && !"text".equalsIgnoreCase(output)) {
            return badInput(List.of(new Problem("output", output, "is not text or json", "use --output json or "
                    + "--output text")), false, new Secrets());
        }
        Secrets secrets = new Secrets();
        // The step's waits are scheduled ticks on one thread; this thread only waits for the result.
        MachineScheduler scheduler = MachineScheduler.withThreads(1, "aws-deploy");
        StepRun.Builder b = StepRun.builder(d.step(), d.action()).env(env).clock(clock).abort(abort)
                .secrets(secrets).listener(new Timeline(err)).stateFile(stateFile).defaultChain(defaultChain)
                .scheduler(scheduler);
        try (scheduler; StepRun run = b.build()) {
            StepResult result;
            try {
                result = run.finish(completed(d.runner().run(input, run)));
            } catch (BadInputException e) {
                return badInput(e.problems(), json, secrets);
            } catch (StepFailedException | SdkException e) {
                String why = dev.awsdeploy.aws.AwsFailure.report(e, run.record());
                result = run.finish(StepResult.of(Outcome.ERROR, "error", why, Map.of("message", why)));
            }
            writeRecord(run, record);
            ReportCommand.write(run, report, err);
            String line = secrets.redact(result.outcome() + ": " + result.summary());
            if (json) {
                // The timeline and its final line stay readable in a build log; stdout is for the program.
                err.println(line);
                out.println(secrets.redact(Json.write(result.toMap())));
            } else {
                (result.outcome() == Outcome.SUCCEEDED ? out : err).println(line);
            }
            return result.outcome().exitCode();
        } catch (BadInputException e) {
            return badInput(e.problems(), json, secrets);
        } catch (RuntimeException e) {
            err.println("aws-deploy: unexpected error: " + secrets.redact(String.valueOf(e)));
            if (json) {
                out.println(secrets.redact(Json.write(Map.of("outcome", Outcome.ERROR.name(), "message",
                        String.valueOf(e.getMessage())))));
            }
            return Outcome.ERROR.exitCode();
        }
    }

    /** The final result of a step whose machine may still be scheduled; what a tick threw is thrown here. */
    static StepResult completed(StepResult result) {
        try {
            return result.completion().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err; // as it would have been thrown in this thread
            }
            throw e;
        }
    }

    private void writeRecord(StepRun run, Path record) {
        if (record == null) {
            return;
        }
        try {
            Path parent = record.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Files.writeString(record, run.recordJson(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("aws-deploy: cannot write the record to " + record + ": " + e.getMessage());
        }
    }

    private int badInput(List<Problem> problems, boolean json, Secrets secrets) {
        err.println(secrets.redact("aws-deploy: bad input: " + new BadInputException(problems).getMessage()));
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("outcome", Outcome.BAD_INPUT.name());
            m.put("problems", problems);
            out.println(secrets.redact(Json.write(m)));
        }
        return Outcome.BAD_INPUT.exitCode();
    }
}
