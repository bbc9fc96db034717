package dev.awsdeploy.jenkins;

import dev.awsdeploy.run.Event;
import dev.awsdeploy.run.ProgressListener;
import java.io.PrintStream;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.function.Consumer;

/**
 * The engine's timeline in the build log: one line per state change or decision, with the time it happened
 * (UTC, as the CLI prints it). Messages are already redacted by the engine.
 */
final class BuildLog implements ProgressListener {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
    private final PrintStream out;
    private final Consumer<String> status;

    BuildLog(PrintStream out, Consumer<String> status) {
        this.out = out;
        this.status = status;
    }

    @Override
    public void on(Event e) {
        out.println("[" + TIME.format(e.at()) + "] " + e.message());
        out.flush();
        status.accept(e.message());
    }
}
