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
        action(action, target, message, Map.of());
    }

    /** An action with what it set (e.g. the traffic weights written), for the record and its report. */
    public void action(String action, String target, String message, Map<String, Object> data) {
        record.action(clock.now(), action, target);
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("action", action);
        all.put("target", target);
        all.putAll(data);
        say("action", message, all);
    }

    /**
     * Keeps an observation in the record only, not told to the listener: the detail the report draws (a phase
     * change, one layer's upload) that would be noise in a log.
     */
    public void note(String type, String message, Map<String, Object> data) {
        record.event(new Event(clock.now(), type, message, new LinkedHashMap<>(data)));
    }

    public StepClock clock() {
        return clock;
    }

    public DeploymentRecord record() {
        return record;
    }
}
