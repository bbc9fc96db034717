package dev.awsdeploy.ecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.awsdeploy.aws.CliInputJson;
import dev.awsdeploy.run.Progress;
import dev.awsdeploy.run.StepResult;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;

/**
 * What a deploy would change in the task definition, field by field, as ecspresso's diff shows it: the live
 * task definition against the new version (the live one with a new image, a {@code taskDefinition} file, or a
 * named revision). Only what a registration carries is compared (not ARN, revision, status, registration
 * times); values ECS fills in by default (empty lists, a container's {@code cpu: 0} and {@code essential: true},
 * a port mapping's {@code protocol: tcp} and an awsvpc {@code hostPort} equal to its container port) count as
 * not given, so only real differences are listed. Containers and name/value lists (environment, secrets) are
 * matched by name, other lists by position: {@code containerDefinitions[web].environment[LOG_LEVEL].value}.
 * The value of a plain environment variable whose name says it is a secret ({@code DB_PASSWORD}) is not shown.
 */
public final class TaskDefinitionDiff {
    /** One changed field; {@code live} or {@code next} is null when the field is absent on that side. */
    public record Change(String field, String live, String next) {
        @Override
        public String toString() {
            return field + ": " + (live == null ? "(none)" : live) + " -> " + (next == null ? "(none)" : next);
        }
    }

    /** Plain environment variables whose name says they hold a secret: their values are not shown. */
    private static final java.util.regex.Pattern SECRET_NAME = java.util.regex.Pattern.compile(
            "(?i).*(password|passwd|secret|token|credential|private|api_?key|access_?key).*");
    private static final Set<String> REGISTERED = new LinkedHashSet<>(
            CliInputJson.fieldNames(RegisterTaskDefinitionRequest.builder()));
    private final String liveName;
    private final List<Change> changes;

    private TaskDefinitionDiff(String liveName, List<Change> changes) {
        this.liveName = liveName;
        this.changes = List.copyOf(changes);
    }

    /** The changes from the live task definition to the new version (a registration or a task definition). */
    public static TaskDefinitionDiff between(TaskDefinition live, SdkPojo next) {
        List<Change> out = new ArrayList<>();
        Map<String, String> hidden = new LinkedHashMap<>();
        compare("", comparable(CliInputJson.toJson(live), hidden), comparable(CliInputJson.toJson(next), hidden),
                out);
        return new TaskDefinitionDiff(TaskDefinitionSource.shortName(live.taskDefinitionArn()), out);
    }

    public List<Change> changes() {
        return changes;
    }

    /**
     * What differs, for a person: the kinds of setting first, then the first changes — "environment differs
     * (containerDefinitions[web].environment[LOG_LEVEL].value: info -> debug)", "cpu and secrets differ (…; +2 more)".
     */
    public static String describe(List<Change> changes) {
        Set<String> kinds = new LinkedHashSet<>();
        for (Change c : changes) {
            String f = c.field();
            if (f.startsWith("containerDefinitions[")) {
                f = f.substring(f.indexOf(']') + 1);
                f = f.isEmpty() ? "containers" : f.substring(1);
            }
            kinds.add(f.split("[.\\[]", 2)[0]);
        }
        List<String> k = new ArrayList<>(kinds);
        String what = k.size() == 1 ? k.get(0) + " differs" : String.join(", ", k.subList(0, k.size() - 1)) + " and "
                + k.get(k.size() - 1) + " differ";
        List<String> shown = changes.stream().limit(3).map(Change::toString).toList();
        return what + " (" + String.join("; ", shown) + (changes.size() > 3 ? "; +" + (changes.size() - 3) + " more"
                : "") + ")";
    }

    /**
     * The dry run's hook: tells the changes (one line each, under a heading) and adds them to the plan's result
     * as {@code taskDefinitionChanges}.
     */
    public StepResult addTo(StepResult plan, Progress progress) {
        if (changes.isEmpty()) {
            progress.say("plan", "Task definition: no change from " + liveName);
        } else {
            StringBuilder b = new StringBuilder("Task definition changes from " + liveName + " (" + changes.size()
                    + "):");
            changes.forEach(c -> b.append("\n  ").append(c));
            progress.say("plan", b.toString());
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (Change c : changes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("field", c.field());
            m.put("live", c.live());
            m.put("new", c.next());
            list.add(m);
        }
        Map<String, Object> fields = new LinkedHashMap<>(plan.fields());
        fields.put("taskDefinitionChanges", list);
        return StepResult.of(plan.outcome(), plan.status(), plan.summary(), fields);
    }

    /**
     * The registration's fields only, with ECS's defaults taken out, and secret-looking variables' values replaced
     * by a placeholder that is the same for the same value on both sides (so a change still shows, the value not).
     */
    private static ObjectNode comparable(ObjectNode td, Map<String, String> hidden) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        boolean awsvpc = "awsvpc".equals(td.path("networkMode").asText());
        td.fields().forEachRemaining(e -> {
            if (REGISTERED.contains(e.getKey())) {
                out.set(e.getKey(), e.getValue());
            }
        });
        if (out.get("containerDefinitions") instanceof ArrayNode containers) {
            for (JsonNode c : containers) {
                if (c instanceof ObjectNode container) {
                    dropIf(container, "cpu", 0);
                    for (JsonNode env : container.path("environment")) {
                        if (env instanceof ObjectNode variable && variable.path("value").isTextual()
                                && SECRET_NAME.matcher(variable.path("name").asText()).matches()) {
                            variable.put("value", hidden.computeIfAbsent(variable.path("value").asText(),
                                    v -> "(hidden value " + (hidden.size() + 1) + ")"));
                        }
                    }
                    if (container.path("essential").asBoolean(false)) {
                        container.remove("essential");
                    }
                    for (JsonNode pm : container.path("portMappings")) {
                        if (pm instanceof ObjectNode mapping) {
                            if ("tcp".equals(mapping.path("protocol").asText())) {
                                mapping.remove("protocol");
                            }
                            if (awsvpc && mapping.path("hostPort").equals(mapping.path("containerPort"))) {
                                mapping.remove("hostPort");
                            }
                        }
                    }
                }
            }
        }
        return (ObjectNode) pruned(out);
    }

    private static void dropIf(ObjectNode o, String field, int value) {
        if (o.path(field).isNumber() && o.path(field).asInt() == value) {
            o.remove(field);
        }
    }

    /** Without nulls and empty lists or objects, at every depth; null when nothing is left. */
    private static JsonNode pruned(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isObject()) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            n.fields().forEachRemaining(e -> {
                JsonNode v = pruned(e.getValue());
                if (v != null) {
                    o.set(e.getKey(), v);
                }
            });
            return o.isEmpty() ? null : o;
        }
        if (n.isArray()) {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            n.forEach(x -> {
                JsonNode v = pruned(x);
                if (v != null) {
                    a.add(v);
                }
            });
            return a.isEmpty() ? null : a;
        }
        return n;
    }

    private static void compare(String at, JsonNode live, JsonNode next, List<Change> out) {
        if (live == null && next == null || live != null && live.equals(next)) {
            return;
        }
        if (live != null && next != null && live.isObject() && next.isObject()) {
            Set<String> keys = new LinkedHashSet<>();
            live.fieldNames().forEachRemaining(keys::add);
            next.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                compare(at.isEmpty() ? k : at + "." + k, live.get(k), next.get(k), out);
            }
            return;
        }
        if (live != null && next != null && live.isArray() && next.isArray() && isObjects(live) && isObjects(next)) {
            Map<String, JsonNode> a = byKey(live);
            Map<String, JsonNode> b = byKey(next);
            Set<String> keys = new LinkedHashSet<>(a.keySet());
            keys.addAll(b.keySet());
            for (String k : keys) {
                compare(at + "[" + k + "]", a.get(k), b.get(k), out);
            }
            return;
        }
        out.add(new Change(at, text(live), text(next)));
    }

    private static boolean isObjects(JsonNode array) {
        for (JsonNode x : array) {
            if (!x.isObject()) {
                return false;
            }
        }
        return true;
    }

    /** Elements by their {@code name} when every element has one (containers, environment), else by position. */
    private static Map<String, JsonNode> byKey(JsonNode array) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        boolean named = true;
        for (JsonNode x : array) {
            named &= x.path("name").isTextual();
        }
        int i = 0;
        for (Iterator<JsonNode> it = array.elements(); it.hasNext(); i++) {
            JsonNode x = it.next();
            out.put(named ? x.path("name").asText() : String.valueOf(i), x);
        }
        return out;
    }

    private static String text(JsonNode n) {
        if (n == null) {
            return null;
        }
        return n.isTextual() ? n.asText() : n.toString();
    }
}
