package dev.awsdeploy.cli;

import dev.awsdeploy.report.ReportPage;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.run.Outcome;
import dev.awsdeploy.run.StepRun;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

/**
 * The deployment report on the command line: {@code --report FILE} on every step, and {@code aws-deploy report
 * RECORD.json} to draw it again from a saved record (to stdout, or to {@code --report FILE} with its stylesheet).
 */
final class ReportCommand {
    static final String FLAG = "--report";

    private ReportCommand() {
    }

    static OptionSpec option() {
        return OptionSpec.builder(FLAG).type(Path.class).paramLabel("FILE")
                .description("write the deployment report (HTML) to FILE, and its stylesheet "
                        + ReportPage.STYLESHEET + " beside it").build();
    }

    static CommandSpec spec() {
        CommandSpec spec = AwsDeployCli.withHelp(CommandSpec.create().name("report"));
        spec.usageMessage().description("Draw the deployment report (HTML) of a saved deployment record.",
                "Prints the page on stdout, or writes it with --report FILE (and " + ReportPage.STYLESHEET
                        + " beside it, which the page links to).");
        spec.addPositional(PositionalParamSpec.builder().paramLabel("RECORD.json").type(Path.class).arity("1")
                .description("a record written with --record (or attached to a Jenkins build)").build());
        spec.addOption(option());
        return spec;
    }

    /** {@code aws-deploy report RECORD.json [--report FILE]}. */
    static int run(ParseResult r, PrintStream out, PrintStream err) {
        Path record = r.matchedPositionalValue(0, null);
        Path to = r.matchedOptionValue(FLAG, null);
        String json;
        try {
            json = Files.readString(record, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            err.println("aws-deploy report: RECORD.json '" + record + "' does not exist; give the file written "
                    + "with --record FILE");
            return Outcome.BAD_INPUT.exitCode();
        } catch (IOException e) {
            err.println("aws-deploy report: cannot read RECORD.json '" + record + "': " + e.getMessage());
            return Outcome.BAD_INPUT.exitCode();
        }
        String html;
        try {
            html = ReportPage.render(json);
        } catch (IllegalArgumentException e) {
            err.println("aws-deploy report: RECORD.json '" + record + "' is " + e.getMessage()
                    + "; give the file written with --record FILE");
            return Outcome.BAD_INPUT.exitCode();
        }
        if (to == null) {
            out.print(html);
            out.flush();
            return 0;
        }
        try {
            ReportPage.write(to, html);
        } catch (IOException e) {
            err.println("aws-deploy report: cannot write the report to " + to + ": " + e.getMessage());
            return Outcome.ERROR.exitCode();
        }
        err.println("Report: " + to.toAbsolutePath());
        return 0;
    }

    /** After a step: the page of its record, next to where the record goes. Never fails the step. */
    static void write(StepRun run, Path to, PrintStream err) {
        if (to == null) {
            return;
        }
        try {
            ReportPage.write(to, ReportPage.render(Json.MAPPER.readTree(run.recordJson()), run.secrets()));
            err.println("Report: " + to.toAbsolutePath());
        } catch (IOException | RuntimeException e) {
            err.println("aws-deploy: cannot write the report to " + to + ": " + e.getMessage());
        }
    }
}
