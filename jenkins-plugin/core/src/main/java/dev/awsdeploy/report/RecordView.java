package dev.awsdeploy.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The deployment record as the report reads it: a saved JSON file or one just written, the same way. */
final class RecordView {
    record Ev(Instant at, String type, String message, JsonNode data) {
        String s(String field) {
            JsonNode n = data.get(field);
            return n == null || n.isNull() ? null : n.asText();
        }
    }

    final JsonNode json;
    final String step;
    final String action;
    final Instant startedAt;
    final Instant finishedAt;
    final String outcome;
    final List<Ev> events = new ArrayList<>();

    RecordView(JsonNode json) {
        this.json = json;
        this.step = json.path("step").asText("step");
        this.action = text(json, "action");
        this.startedAt = instant(json.get("startedAt"));
        this.outcome = json.path("outcome").asText("UNKNOWN");
        for (JsonNode e : json.path("events")) {
            Instant at = instant(e.get("at"));
            if (at != null) {
                events.add(new Ev(at, e.path("type").asText(""), e.path("message").asText(""), e.path("data")));
            }
        }
        Instant end = instant(json.get("finishedAt"));
        if (end == null && !events.isEmpty()) {
            end = events.get(events.size() - 1).at();
        }
        this.finishedAt = end;
    }

    Instant start() {
        if (startedAt != null) {
            return startedAt;
        }
        return events.isEmpty() ? Instant.EPOCH : events.get(0).at();
    }

    JsonNode result() {
        return json.path("result");
    }

    String result(String field) {
        return text(json.path("result"), field);
    }

    List<Ev> events(String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || v.isMissingNode() ? null : v.asText();
    }

    static Instant instant(JsonNode n) {
        if (n == null || n.isNull() || !n.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(n.asText());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** An object's fields as text, nested objects as "a.b", lists joined: what a two-column table shows. */
    static Map<String, String> flat(JsonNode n) {
        Map<String, String> out = new LinkedHashMap<>();
        flat("", n, out);
        return out;
    }

    private static void flat(String prefix, JsonNode n, Map<String, String> out) {
        if (n == null || n.isMissingNode()) {
            return;
        }
        if (n.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                flat(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (n.isArray()) {
            List<String> parts = new ArrayList<>();
            boolean scalars = true;
            for (JsonNode v : n) {
                scalars &= v.isValueNode();
                parts.add(v.isValueNode() ? v.asText() : v.toString());
            }
            out.put(prefix, String.join(scalars ? ", " : "\n", parts));
        } else if (!n.isNull()) {
            out.put(prefix, n.asText());
        }
    }
}
