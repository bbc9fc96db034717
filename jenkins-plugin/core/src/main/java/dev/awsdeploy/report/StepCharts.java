package dev.awsdeploy.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.report.Chart.Band;
import dev.awsdeploy.report.Chart.Mark;
import dev.awsdeploy.report.Chart.Point;
import dev.awsdeploy.report.Chart.Series;
import dev.awsdeploy.report.RecordView.Ev;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The pictures of each step, drawn from the record's events (phase changes, weights, alarm states, counts). */
final class StepCharts {
    static final Map<String, String> COLOURS = Map.of("blue", "#0969da", "green", "#1a7f37");
    private static final Map<String, String> PHASES = Map.ofEntries(
            Map.entry("REGISTER", "register"), Map.entry("UPDATE", "update standby"),
            Map.entry("STANDBY", "wait healthy"), Map.entry("HEALTH_URL", "health URL"),
            Map.entry("SHIFT", "shift"), Map.entry("HOLD", "hold"), Map.entry("BAKE", "bake"),
            Map.entry("FINISH", "finish"), Map.entry("ROLLBACK", "rollback"),
            Map.entry("DEPLOYING", "deploying"), Map.entry("ROLLING_BACK", "CodeDeploy rolls back"));
    private static final Map<String, String> PHASE_FILL = Map.ofEntries(
            Map.entry("REGISTER", "#e7e1f3"), Map.entry("UPDATE", "#ddd4ee"), Map.entry("STANDBY", "#d3c7ea"),
            Map.entry("HEALTH_URL", "#c6b7e2"), Map.entry("SHIFT", "#fff1c2"), Map.entry("HOLD", "#fde59a"),
            Map.entry("BAKE", "#f9d66b"), Map.entry("FINISH", "#e1e4e8"), Map.entry("ROLLBACK", "#ffc1bd"),
            Map.entry("DEPLOYING", "#cfe4ff"), Map.entry("ROLLING_BACK", "#ffc1bd"));
    /** Phases that end a run: nothing happens in them, so they draw no band. */
    private static final List<String> FINAL = List.of("DONE", "ROLLED_BACK", "FAILED");

    private StepCharts() {
    }

    // ------------------------------------------------------------------ ecsBlueGreen

    static String ecs(RecordView r) {
        Chart c = new Chart("traffic-chart", "Traffic by colour, phases, alarms and health checks", r.start(),
                r.finishedAt);
        c.bands("phase", "phases", phases(r));
        c.steps("traffic", "traffic", 100, " %", traffic(r));
        alarms(c, r);
        List<Mark> standby = new ArrayList<>();
        List<Mark> urls = new ArrayList<>();
        for (Ev e : r.events) {
            JsonNode d = e.data();
            if (e.type().equals("standby") && d.has("running")) {
                boolean ok = d.path("running").asInt() >= d.path("desired").asInt() && d.path("desired").asInt() > 0;
                standby.add(new Mark(e.at(), ok, "tasks " + d.path("running").asInt() + "/"
                        + d.path("desired").asInt(), e.message()));
            } else if (e.type().equals("targets") && d.has("healthy")) {
                boolean ok = d.path("healthy").asInt() >= d.path("total").asInt() && d.path("total").asInt() > 0;
                standby.add(new Mark(e.at(), ok, "healthy " + d.path("healthy").asInt() + "/"
                        + d.path("total").asInt(), e.message()));
            } else if (e.type().equals("health") && d.has("ok")) {
                boolean ok = d.path("ok").asBoolean();
                urls.add(new Mark(e.at(), ok, ok ? "URL ok" : "URL failed", e.message()));
            }
        }
        if (!standby.isEmpty()) {
            c.marks("tasks, targets", "target-health", standby);
        }
        if (!urls.isEmpty()) {
            c.marks("health URL", "health-url", urls);
        }
        turningPoint(c, r);
        return c.svg();
    }

    private static List<Series> traffic(RecordView r) {
        // By name, so blue is always drawn solid and green dashed, whatever order the record has.
        Map<String, List<Point>> by = new java.util.TreeMap<>();
        JsonNode before = r.json.path("before").path("traffic");
        for (Iterator<Map.Entry<String, JsonNode>> it = before.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            by.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(new Point(r.start(), e.getValue().asDouble()));
        }
        for (Ev e : r.events("action")) {
            JsonNode w = e.data().path("weights");
            for (Iterator<Map.Entry<String, JsonNode>> it = w.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> x = it.next();
                by.computeIfAbsent(x.getKey(), k -> new ArrayList<>()).add(new Point(e.at(), x.getValue().asDouble()));
            }
        }
        List<Series> out = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, List<Point>> e : by.entrySet()) {
            String stroke = COLOURS.getOrDefault(e.getKey(), i == 0 ? "#6e7781" : "#953800");
            out.add(new Series(e.getKey(), stroke, i % 2 == 0 ? null : "9 5", e.getValue()));
            i++;
        }
        return out;
    }

    /** Phase bands from the recorded phase changes; a hold is labelled with the share it holds. */
    static List<Band> phases(RecordView r) {
        List<Ev> changes = r.events("phase-change");
        List<Band> out = new ArrayList<>();
        if (!changes.isEmpty() && changes.get(0).at().isAfter(r.start())) {
            // Before the first phase: validating the input, reading what is live, the plan.
            Instant first = changes.get(0).at();
            out.add(new Band(r.start(), first, "prepare", "#eaeef2", Chart.INK, "prepare (read AWS, check, plan): "
                    + TimeAxis.clock(r.start()) + " to " + TimeAxis.clock(first) + " UTC ("
                    + TimeAxis.length(java.time.Duration.between(r.start(), first)) + ")"));
        }
        for (int i = 0; i < changes.size(); i++) {
            Ev e = changes.get(i);
            String phase = e.s("phase");
            if (phase == null || FINAL.contains(phase)) {
                continue;
            }
            Instant to = i + 1 < changes.size() ? changes.get(i + 1).at() : r.finishedAt;
            String label = PHASES.getOrDefault(phase, phase.toLowerCase().replace('_', ' '));
            if (phase.equals("HOLD")) {
                Double share = newShareAt(r, e.at());
                if (share != null) {
                    label = "hold " + Markup.num(share) + " %";
                }
            }
            out.add(new Band(e.at(), to, label, PHASE_FILL.getOrDefault(phase, "#e1e4e8"), Chart.INK,
                    label + ": " + TimeAxis.clock(e.at()) + " to " + TimeAxis.clock(to == null ? e.at() : to)
                            + " UTC (" + TimeAxis.length(java.time.Duration.between(e.at(), to == null ? e.at() : to))
                            + ")"));
        }
        return out;
    }

    /** The deployed colour's share after the last weight change at or before {@code at}. */
    private static Double newShareAt(RecordView r, Instant at) {
        String newColour = null;
        String previous = r.result("previousColor");
        Double share = null;
        for (Ev e : r.events("action")) {
            if (e.at().isAfter(at)) {
                break;
            }
            JsonNode w = e.data().path("weights");
            for (Iterator<String> it = w.fieldNames(); it.hasNext(); ) {
                String colour = it.next();
                if (!colour.equals(previous)) {
                    newColour = colour;
                }
            }
            if (newColour != null && w.has(newColour)) {
                share = w.get(newColour).asDouble();
            }
        }
        return share;
    }

    /** The moment it went wrong, as a marker across the chart: rollback, or a failure that moved nothing. */
    private static void turningPoint(Chart c, RecordView r) {
        Ev e = turn(r);
        if (e != null) {
            c.marker(e.at(), (rolledBack(e) ? "rollback at " : "failed at ") + TimeAxis.clock(e.at()), "#cf222e");
        }
    }

    /** The phase change where the run turned: into a rollback (told or done within one tick) or a failure. */
    static Ev turn(RecordView r) {
        for (Ev e : r.events("phase-change")) {
            String phase = e.s("phase");
            if (rolledBack(e) || "FAILED".equals(phase)) {
                return e;
            }
        }
        return null;
    }

    static boolean rolledBack(Ev e) {
        return List.of("ROLLBACK", "ROLLED_BACK", "ROLLING_BACK").contains(e.s("phase"));
    }

    // ------------------------------------------------------------------ alarms (all steps)

    /** One strip per alarm: OK / ALARM / INSUFFICIENT_DATA as labelled bands over time. */
    static boolean alarms(Chart c, RecordView r) {
        Map<String, List<Ev>> changes = new LinkedHashMap<>();
        Map<String, List<String>> states = new LinkedHashMap<>();
        for (Ev e : r.events) {
            JsonNode s = e.data().path("states");
            if (!s.isObject()) {
                continue;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> x = it.next();
                List<String> seen = states.computeIfAbsent(x.getKey(), k -> new ArrayList<>());
                List<Ev> at = changes.computeIfAbsent(x.getKey(), k -> new ArrayList<>());
                if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(x.getValue().asText())) {
                    seen.add(x.getValue().asText());
                    at.add(e);
                }
            }
        }
        for (Map.Entry<String, List<Ev>> a : changes.entrySet()) {
            List<Ev> at = a.getValue();
            List<String> seen = states.get(a.getKey());
            List<Band> bands = new ArrayList<>();
            for (int i = 0; i < at.size(); i++) {
                Instant from = at.get(i).at();
                Instant to = i + 1 < at.size() ? at.get(i + 1).at() : r.finishedAt;
                String state = seen.get(i);
                String[] look = alarmLook(state);
                bands.add(new Band(from, to, state.replace('_', ' '), look[0], look[1], a.getKey() + " " + state
                        + " from " + TimeAxis.clock(from) + " UTC"));
            }
            c.bands(Chart.fit(a.getKey(), Chart.LEFT - 14) == null ? "alarm" : Chart.fit(a.getKey(), Chart.LEFT - 14),
                    "alarm", bands);
        }
        return !changes.isEmpty();
    }

    private static String[] alarmLook(String state) {
        return switch (state) {
            case "OK" -> new String[] {"#aceebb", Chart.INK};
            case "ALARM" -> new String[] {"#cf222e", "#ffffff"};
            default -> new String[] {"#eac54f", Chart.INK};
        };
    }

    static String alarmGate(RecordView r) {
        Chart c = new Chart("alarm-chart", "Alarm states during the gate", r.start(), r.finishedAt);
        if (!alarms(c, r)) {
            return null;
        }
        for (Ev e : r.events("decision")) {
            c.marker(e.at(), "gate decided at " + TimeAxis.clock(e.at()), "#cf222e");
        }
        return c.svg();
    }

    // ------------------------------------------------------------------ codeDeployRolling

    static final List<String> INSTANCE_STATES = List.of("pending", "inProgress", "ready", "succeeded", "failed",
            "skipped");
    private static final List<String> INSTANCE_FILLS = List.of("#d0d7de", "#80ccff", "#c6b7e2", "#4ac26b",
            "#ff8182", "#f6f8fa");
    private static final List<String> INSTANCE_NAMES = List.of("pending", "in progress", "ready", "succeeded",
            "failed", "skipped");

    static String codeDeploy(RecordView r) {
        Chart c = new Chart("instances-chart", "Deployment status and instances over time", r.start(), r.finishedAt);
        List<Band> phases = phases(r);
        if (!phases.isEmpty()) {
            c.bands("phase", "phases", phases);
        }
        List<Ev> statuses = new ArrayList<>();
        for (Ev e : r.events("status")) {
            if (e.s("status") != null) {
                statuses.add(e);
            }
        }
        List<Band> sb = new ArrayList<>();
        for (int i = 0; i < statuses.size(); i++) {
            Ev e = statuses.get(i);
            Instant to = i + 1 < statuses.size() ? statuses.get(i + 1).at() : r.finishedAt;
            String st = e.s("status");
            String fill = switch (st) {
                case "Succeeded" -> "#aceebb";
                case "Failed", "Stopped" -> "#ffc1bd";
                case "InProgress", "Ready", "Baking" -> "#cfe4ff";
                default -> "#e1e4e8";
            };
            sb.add(new Band(e.at(), to, st, fill, Chart.INK, e.message()));
        }
        if (!sb.isEmpty()) {
            c.bands("status", "deployment-status", sb);
        }
        List<Instant> at = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        for (Ev e : r.events("progress")) {
            JsonNode n = e.data().path("instances");
            if (!n.isObject()) {
                continue;
            }
            double[] v = new double[INSTANCE_STATES.size()];
            for (int k = 0; k < v.length; k++) {
                v[k] = n.path(INSTANCE_STATES.get(k)).asDouble(0);
            }
            at.add(e.at());
            values.add(v);
        }
        if (!at.isEmpty()) {
            c.stacked("instances", "instances", INSTANCE_NAMES, INSTANCE_FILLS, at, values);
        }
        List<Series> traffic = new ArrayList<>();
        Map<String, List<Point>> by = new LinkedHashMap<>();
        for (Ev e : r.events("traffic")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = e.data().path("traffic").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> x = it.next();
                by.computeIfAbsent(x.getKey(), k -> new ArrayList<>()).add(new Point(e.at(), x.getValue().asDouble()));
            }
        }
        int i = 0;
        for (Map.Entry<String, List<Point>> e : by.entrySet()) {
            traffic.add(new Series(e.getKey(), i == 0 ? "#0969da" : "#1a7f37", i == 0 ? null : "9 5", e.getValue()));
            i++;
        }
        if (!traffic.isEmpty()) {
            c.steps("traffic", "traffic", 100, " %", traffic);
        }
        alarms(c, r);
        for (Ev e : r.events("phase-change")) {
            if ("ROLLING_BACK".equals(e.s("phase"))) {
                String id = r.result("rollbackDeploymentId");
                c.marker(e.at(), "rollback " + (id == null ? "" : id) + " at " + TimeAxis.clock(e.at()), "#cf222e");
            }
        }
        for (Ev e : r.events("action")) {
            if ("StopDeployment".equals(e.s("action"))) {
                c.marker(e.at(), "stopped at " + TimeAxis.clock(e.at()), "#cf222e");
            }
        }
        if (at.isEmpty() && sb.isEmpty() && phases.isEmpty()) {
            return null;
        }
        return c.svg();
    }

    // ------------------------------------------------------------------ ecrPush

    record Layer(String digest, long bytes, boolean uploaded, long ms) {
        double mbPerSecond() {
            return ms <= 0 ? 0 : bytes / 1e6 / (ms / 1000.0);
        }
    }

    static List<Layer> layers(RecordView r) {
        Map<String, Layer> by = new LinkedHashMap<>();
        for (Ev e : r.events) {
            String digest = e.s("layer");
            if (digest == null) {
                continue;
            }
            JsonNode d = e.data();
            by.put(digest, new Layer(digest, d.path("bytes").asLong(), d.path("uploaded").asBoolean(),
                    d.path("ms").asLong()));
        }
        return new ArrayList<>(by.values());
    }

    /** One bar per layer, its length the layer's size, uploaded solid and skipped hatched, each labelled. */
    static String push(List<Layer> layers) {
        if (layers.isEmpty()) {
            return null;
        }
        double rowH = 26;
        double height = 44 + rowH * layers.size() + 10;
        double barX = 260;
        double barW = Chart.WIDTH - barX - 260;
        long max = layers.stream().mapToLong(Layer::bytes).max().orElse(1);
        Markup m = new Markup();
        m.open("svg", "xmlns", "http://www.w3.org/2000/svg", "id", "layers-chart", "class", "chart", "viewBox",
                "0 0 " + Markup.num(Chart.WIDTH) + " " + Markup.num(height), "width", Chart.WIDTH, "height", height,
                "role", "img", "aria-label", "Layers uploaded and skipped", "font-family", Chart.FONT);
        m.el("title", "Layers uploaded and skipped");
        m.open("defs").open("pattern", "id", "skipped-hatch", "width", 6, "height", 6, "patternUnits", "userSpaceOnUse",
                "patternTransform", "rotate(45)");
        m.empty("rect", "width", 6, "height", 6, "fill", "#f6f8fa");
        m.empty("line", "x1", 0, "y1", 0, "x2", 0, "y2", 6, "stroke", "#8c959f", "stroke-width", 2);
        m.close("pattern").close("defs");
        m.empty("rect", "x", 0, "y", 0, "width", Chart.WIDTH, "height", height, "fill", "#ffffff");
        m.el("text", "Layers: uploaded (solid) and already in the registry (hatched)", "x", 12, "y", 20,
                "font-size", 14, "font-weight", "bold", "fill", Chart.INK);
        double y = 40;
        for (Layer l : layers) {
            double w = Math.max(2, barW * l.bytes() / (double) max);
            m.open("g", "class", l.uploaded() ? "layer uploaded" : "layer skipped");
            m.el("text", shortDigest(l.digest()), "x", barX - 10, "y", y + rowH / 2 + 4, "text-anchor", "end",
                    "font-size", 12, "font-family", "DejaVu Sans Mono, monospace", "fill", Chart.INK);
            m.open("rect", "x", barX, "y", y + 3, "width", w, "height", rowH - 8,
                    "fill", l.uploaded() ? "#0969da" : "url(#skipped-hatch)", "stroke", l.uploaded() ? "#0550ae"
                            : "#8c959f").el("title", l.digest()).close("rect");
            String text = size(l.bytes()) + (l.uploaded() ? " uploaded in " + TimeAxis.length(
                    java.time.Duration.ofMillis(l.ms())) + (l.ms() > 0 ? " (" + Markup.num(Math.round(l.mbPerSecond()
                    * 10) / 10.0) + " MB/s)" : "") : " skipped: already in the registry");
            m.el("text", text, "x", barX + w + 8, "y", y + rowH / 2 + 4, "font-size", 12, "fill", Chart.INK);
            m.close("g");
            y += rowH;
        }
        m.close("svg");
        return m.toString();
    }

    static String shortDigest(String digest) {
        return digest.length() > 19 ? digest.substring(0, 19) + "…" : digest;
    }

    static String size(long bytes) {
        if (bytes < 1_000) {
            return bytes + " B";
        }
        if (bytes < 1_000_000) {
            return Markup.num(Math.round(bytes / 100.0) / 10.0) + " KB";
        }
        return Markup.num(Math.round(bytes / 100_000.0) / 10.0) + " MB";
    }
}
