package dev.awsdeploy.run;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a step uses to tell the user what happens. {@link #changed} speaks only when the observed value of
 * a subject differs from the last one said, so pollers can call it every poll without flooding the log.
 */
public final class Progress {
    private final ProgressListener listener;
    private final StepClock clock;
    private final DeploymentRecord record;
    private final Map<String, String> lastSaid = new ConcurrentHashMap<>();

    public Progress(ProgressListener listener, StepClock clock, DeploymentRecord record) {
        this.listener = listener;
        this.clock = clock;
        this.record = record;
    }

    public void say(String type, String message) {
        say(type, message, Map.of());
    }

    public void say(String type, String message, Map<String, Object> data) {
        Event e = new Event(clock.now(), type, message, new LinkedHashMap<>(data));
        record.event(e);
        listener.on(e);
    }

    /** Says {@code message} only when it differs from what was last said about {@code subject}. */
    public boolean changed(String subject, String type, String message, Map<String, Object> data) {
        String previous = lastSaid.put(subject, message);
        if (message.equals(previous)) {
            return false;
        }
        say(type, message, data);
        return true;
    }

    public boolean changed(String subject, String type, String message) {
        return changed(subject, type, message, Map.of());
    }

    /** Records a call that changed something in AWS (shown in the timeline and kept in the record). */
    public void action(String action, String target, String message) {
        record.action(clock.now(), action, target);
        say("action", message, Map.of("action", action, "target", target));
    }

    public StepClock clock() {
        return clock;
    }

    public DeploymentRecord record() {
        return record;
    }
}
