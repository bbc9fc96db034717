package dev.awsdeploy.run;

/** Receives a step's events; the CLI renders them as a timeline, the plugin writes them to the build log. */
@FunctionalInterface
public interface ProgressListener {
    void on(Event event);
}
