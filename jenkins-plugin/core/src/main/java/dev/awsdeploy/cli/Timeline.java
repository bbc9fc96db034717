package dev.awsdeploy.cli;

import dev.awsdeploy.run.Event;
import dev.awsdeploy.run.ProgressListener;
import java.io.PrintStream;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** Renders events as a timeline a person reads: one line per state change or decision, with a time. */
final class Timeline implements ProgressListener {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.of("UTC"));
    private final PrintStream out;

    Timeline(PrintStream out) {
        this.out = out;
    }

    @Override
    public void on(Event e) {
        out.println("[" + TIME.format(e.at()) + "] " + e.message());
        out.flush();
    }
}
