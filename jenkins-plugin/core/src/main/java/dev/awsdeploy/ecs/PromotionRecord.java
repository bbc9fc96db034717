package dev.awsdeploy.ecs;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A canary that awaits promotion, as tags on the listener rule (or listener): which colour runs which task
 * definition and image at which share, the traffic shift it continues with, the alarms it was watched with and
 * the build that started it. A promote or abort run — another stage, another agent, a restarted controller, a
 * later build — finds the deployment here, not in a local file.
 */
public record PromotionRecord(String phase, String newColor, String oldColor, int percent, int nextStep,
                              String trafficShift, Instant since, String taskDefinitionArn, String image,
                              String owner, List<String> alarms) {
    public static final String AWAITING = "awaiting-promotion";
    static final String TAG = "aws-deploy:promotion";
    static final String TASK_DEFINITION = "aws-deploy:promotion-task-definition";
    static final String IMAGE = "aws-deploy:promotion-image";
    static final String OWNER = "aws-deploy:promotion-owner";
    static final String ALARMS = "aws-deploy:promotion-alarms";
    static final List<String> KEYS = List.of(TAG, TASK_DEFINITION, IMAGE, OWNER, ALARMS);

    Map<String, String> tags() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put(TAG, ResourceTags.value("phase=" + phase + " new=" + newColor + " old=" + oldColor + " percent="
                + percent + " next-step=" + nextStep + " shift=" + trafficShift + " since="
                + since.truncatedTo(ChronoUnit.SECONDS)));
        t.put(TASK_DEFINITION, ResourceTags.value(taskDefinitionArn));
        t.put(IMAGE, ResourceTags.value(image));
        t.put(OWNER, ResourceTags.value(owner));
        // Alarm names may hold characters a tag cannot; only names that survive as they are are recorded.
        String names = String.join(" ", alarms.stream().filter(a -> a.equals(ResourceTags.value(a))
                && !a.contains(" ")).toList());
        if (!names.isEmpty() && names.length() <= ResourceTags.MAX_VALUE) {
            t.put(ALARMS, names);
        }
        return t;
    }

    /** The record in {@code tags}, or null when none is there. */
    static PromotionRecord parse(Map<String, String> tags) {
        String head = tags.get(TAG);
        if (head == null) {
            return null;
        }
        Map<String, String> f = new LinkedHashMap<>();
        for (String part : head.trim().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                f.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        String alarms = tags.getOrDefault(ALARMS, "").trim();
        Instant since;
        try {
            since = Instant.parse(f.get("since"));
        } catch (RuntimeException e) {
            since = Instant.EPOCH;
        }
        return new PromotionRecord(f.get("phase"), f.get("new"), f.get("old"), intOf(f.get("percent")),
                intOf(f.get("next-step")), f.get("shift"), since, tags.get(TASK_DEFINITION), tags.get(IMAGE),
                tags.getOrDefault(OWNER, "unknown"), alarms.isEmpty() ? List.of() : Arrays.asList(alarms.split(" ")));
    }

    private static int intOf(String v) {
        try {
            return Integer.parseInt(v);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Complete enough to continue: colours, task definition and shift are known. */
    boolean usable() {
        return AWAITING.equals(phase) && ("blue".equals(newColor) || "green".equals(newColor))
                && ("blue".equals(oldColor) || "green".equals(oldColor)) && !newColor.equals(oldColor)
                && taskDefinitionArn != null && trafficShift != null && nextStep >= 1;
    }

    String describe() {
        return "a canary of " + image + " (" + TaskDefinitionSource.shortName(taskDefinitionArn) + ") on " + newColor
                + " at " + percent + " %, awaiting promotion since " + since + " (started by " + owner + ")";
    }

    /** Reads the record from the rule's tags. */
    static PromotionRecord read(ResourceTags route) {
        return parse(route.read());
    }

    /** Writes the record and reads it back; a record AWS does not show is a failure, not a silent loss. */
    void write(ResourceTags route) {
        Map<String, String> tags = tags();
        route.write(tags);
        Map<String, String> back = route.read();
        for (Map.Entry<String, String> e : tags.entrySet()) {
            if (!e.getValue().equals(back.get(e.getKey()))) {
                throw new dev.awsdeploy.run.StepFailedException("the promotion record on " + route.label()
                        + " did not read back (" + e.getKey() + ")");
            }
        }
    }

    /** Removes the record (promoted, aborted or rolled back). */
    static void clear(ResourceTags route) {
        Map<String, String> present = route.read();
        List<String> keys = KEYS.stream().filter(present::containsKey).toList();
        if (!keys.isEmpty()) {
            route.remove(keys);
        }
    }
}
