package dev.awsdeploy.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.report.RecordView.Ev;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.run.Secrets;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The deployment report: one HTML page per step run, drawn from its deployment record. It renders fully under
 * Jenkins' default Content-Security-Policy ({@link #CONTENT_SECURITY_POLICY}): no script, no inline style; the
 * charts are SVG styled with presentation attributes, the page's typography comes from {@link #STYLESHEET}
 * beside it (allowed as 'self') and the page still reads without it, printed or in black and white.
 */
public final class ReportPage {
    /** Jenkins' default CSP for archived artifacts and other user content. */
    public static final String CONTENT_SECURITY_POLICY = "sandbox; default-src 'none'; img-src 'self'; "
            + "style-src 'self';";
    /** The stylesheet's file name, linked relatively: it is written (or served) beside the page. */
    public static final String STYLESHEET = "aws-deploy-report.css";
    private static final List<String> RESULT_SHOWN_ELSEWHERE = List.of("outcome", "status", "summary", "apiCalls",
            "timings");

    private ReportPage() {
    }

    /** The page for a record as the engine wrote it (JSON, secrets already redacted). */
    public static String render(String recordJson) {
        try {
            return render(Json.MAPPER.readTree(recordJson), new Secrets());
        } catch (IOException e) {
            throw new IllegalArgumentException("not a deployment record (JSON expected): " + e.getMessage(), e);
        }
    }

    /** The page, passed through {@code secrets} once more as a last line of defence. */
    public static String render(JsonNode record, Secrets secrets) {
        if (!record.isObject() || !record.has("step")) {
            throw new IllegalArgumentException("not a deployment record: it has no \"step\" field");
        }
        RecordView r = new RecordView(record);
        Markup m = new Markup();
        m.raw("<!DOCTYPE html>\n");
        m.open("html", "xmlns", "http://www.w3.org/1999/xhtml", "lang", "en").nl();
        m.open("head").nl();
        m.empty("meta", "charset", "utf-8").nl();
        m.empty("meta", "name", "viewport", "content", "width=device-width, initial-scale=1").nl();
        m.el("title", title(r) + " — " + r.outcome).nl();
        m.empty("link", "rel", "stylesheet", "href", STYLESHEET).nl();
        m.close("head").nl();
        m.open("body", "class", "outcome-" + r.outcome.toLowerCase()).nl();
        header(m, r);
        facts(m, r);
        live(m, r);
        pictures(m, r);
        resultTable(m, r);
        apiCalls(m, r);
        timeline(m, r);
        inputs(m, r);
        m.open("footer").open("p").text("Drawn by aws-deploy from the deployment record"
                + (r.startedAt == null ? "" : " of the run started " + r.startedAt) + ". Rebuild it any time with ")
                .el("code", "aws-deploy report RECORD.json").text(".").close("p").close("footer").nl();
        m.close("body").nl().close("html").nl();
        return secrets.redact(m.toString());
    }

    /** The stylesheet the page links to. */
    public static String stylesheet() {
        try (InputStream in = ReportPage.class.getResourceAsStream(STYLESHEET)) {
            if (in == null) {
                throw new IllegalStateException(STYLESHEET + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the page to {@code file} and the stylesheet beside it. */
    public static void write(Path file, String html) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Files.writeString(file, html, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(STYLESHEET), stylesheet(), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ sections

    static String title(RecordView r) {
        return r.step + (r.action == null || r.action.isBlank() || r.action.equals(r.step) ? "" : " " + r.action);
    }

    private static void header(Markup m, RecordView r) {
        String verdict = switch (r.outcome) {
            case "SUCCEEDED" -> "succeeded";
            case "FAILED" -> Boolean.TRUE.toString().equals(r.result("rolledBack")) ? "failed — rolled back"
                    : "failed";
            case "TIMED_OUT" -> "timed out";
            case "BAD_INPUT" -> "bad input — nothing changed";
            default -> r.outcome.toLowerCase().replace('_', ' ');
        };
        m.open("header").nl();
        m.open("p", "class", "kicker").text("aws-deploy · deployment report").close("p").nl();
        m.open("h1").text(title(r) + " ").el("span", verdict.toUpperCase(), "class", "verdict verdict-"
                + r.outcome.toLowerCase()).close("h1").nl();
        String summary = r.result("summary");
        m.el("p", sentence(r, summary), "class", "summary").nl();
        m.close("header").nl();
    }

    /** The outcome in one sentence a person can repeat in an incident channel. */
    static String sentence(RecordView r, String summary) {
        String s = summary == null || summary.isBlank() ? "The step ended " + r.outcome + "." : summary;
        s = Character.toUpperCase(s.charAt(0)) + s.substring(1);
        return s.endsWith(".") ? s : s + ".";
    }

    private static void facts(Markup m, RecordView r) {
        JsonNode who = r.json.path("identity");
        m.open("section", "class", "facts").nl();
        m.open("table", "class", "facts", "border", 0, "cellpadding", 4).nl();
        row(m, "Started", r.startedAt == null ? "—" : TimeAxis.day(r.startedAt));
        row(m, "Finished", r.finishedAt == null ? "—" : TimeAxis.day(r.finishedAt));
        if (r.startedAt != null && r.finishedAt != null) {
            row(m, "Took", TimeAxis.length(Duration.between(r.startedAt, r.finishedAt)));
        }
        JsonNode timings = r.result().path("timings");
        if (timings.isObject() && timings.size() > 0) {
            List<String> parts = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = timings.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isNumber()) {
                    parts.add(e.getKey() + " " + Markup.num(e.getValue().asDouble()) + " s");
                } else if (!e.getValue().isNull() && !e.getKey().endsWith("At")) {
                    parts.add(e.getKey() + " " + e.getValue().asText());
                }
            }
            if (!parts.isEmpty()) {
                row(m, "Time by phase", String.join(", ", parts));
            }
        }
        if (who.has("buildUrl")) {
            m.open("tr").el("th", "Build", "align", "left", "valign", "top").open("td")
                    .el("a", who.path("buildUrl").asText(), "href", who.path("buildUrl").asText())
                    .close("td").close("tr").nl();
        }
        if (who.has("arn")) {
            row(m, "Ran as", who.path("arn").asText());
        }
        if (who.has("account")) {
            row(m, "Account, region", who.path("account").asText() + ", " + who.path("region").asText(""));
        }
        m.close("table").nl().close("section").nl();
    }

    private static void row(Markup m, String name, String value) {
        m.open("tr").el("th", name, "align", "left", "valign", "top").el("td", value).close("tr").nl();
    }

    /** What was live before and after: for ecsBlueGreen colour, service, task definition and image. */
    private static void live(Markup m, RecordView r) {
        JsonNode before = r.json.path("before");
        JsonNode after = r.json.path("after");
        if (r.step.equals("ecsBlueGreen") && before.has("traffic")) {
            String was = r.result("previousColor");
            if (was == null) {
                was = top(before.path("traffic"));
            }
            String now = r.result("liveColor");
            if (now == null && after.has("traffic")) {
                now = top(after.path("traffic"));
            }
            String wasService = serviceOf(before.path("services"), was);
            String nowService = r.result("liveService") != null ? r.result("liveService")
                    : serviceOf(before.path("services"), now);
            boolean moved = now != null && !now.equals(was);
            String wasTd = wasService == null ? null : RecordView.text(before.path("services"), wasService);
            String nowTd = moved ? r.result("taskDefinitionArn") : wasTd;
            String wasImage = images(before.path("images"));
            String nowImage = moved ? r.result("image") : wasImage;
            m.open("section", "class", "live").nl().el("h2", "Live before and after").nl();
            m.open("table", "class", "live", "border", 1, "cellpadding", 5, "cellspacing", 0).nl();
            m.open("tr").el("th", "").el("th", "before", "align", "left").el("th", "after", "align", "left")
                    .close("tr").nl();
            liveRow(m, "colour", share(before.path("traffic"), was), now == null ? "—" : share(after.path("traffic"),
                    now));
            liveRow(m, "service", wasService, nowService);
            liveRow(m, "task definition", wasTd, nowTd);
            liveRow(m, "image", wasImage, nowImage);
            m.close("table").nl().close("section").nl();
            return;
        }
        Map<String, String> b = RecordView.flat(before);
        Map<String, String> a = RecordView.flat(after);
        if (b.isEmpty() && a.isEmpty()) {
            return;
        }
        m.open("section", "class", "live").nl().el("h2", "Before and after").nl();
        m.open("table", "class", "live", "border", 1, "cellpadding", 5, "cellspacing", 0).nl();
        m.open("tr").el("th", "").el("th", "before", "align", "left").el("th", "after", "align", "left")
                .close("tr").nl();
        Map<String, Boolean> keys = new LinkedHashMap<>();
        b.keySet().forEach(k -> keys.put(k, true));
        a.keySet().forEach(k -> keys.put(k, true));
        for (String k : keys.keySet()) {
            liveRow(m, k, b.get(k), a.get(k));
        }
        m.close("table").nl().close("section").nl();
    }

    private static void liveRow(Markup m, String name, String before, String after) {
        // Only what both sides recorded can be said to have changed; a side not recorded is shown as "—".
        boolean changed = before != null && after != null && !before.equals(after);
        m.open("tr", "class", changed ? "changed" : null).el("th", name, "align", "left")
                .el("td", before == null ? "—" : before).el("td", (after == null ? "—" : after)
                        + (changed ? "  (changed)" : "")).close("tr").nl();
    }

    private static String top(JsonNode weights) {
        String best = null;
        double most = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = weights.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().asDouble() > most) {
                most = e.getValue().asDouble();
                best = e.getKey();
            }
        }
        return best;
    }

    private static String share(JsonNode weights, String colour) {
        if (colour == null) {
            return "—";
        }
        JsonNode w = weights.get(colour);
        return colour + (w == null ? "" : " (" + Markup.num(w.asDouble()) + " % of traffic)");
    }

    private static String serviceOf(JsonNode services, String colour) {
        if (colour == null) {
            return null;
        }
        String loose = null;
        for (Iterator<String> it = services.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (name.endsWith("-" + colour)) {
                return name;
            }
            if (name.contains(colour)) {
                loose = name;
            }
        }
        return loose;
    }

    private static String images(JsonNode images) {
        List<String> parts = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = images.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            parts.add(images.size() == 1 ? e.getValue().asText() : e.getKey() + ": " + e.getValue().asText());
        }
        return parts.isEmpty() ? null : String.join("; ", parts);
    }

    private static void pictures(Markup m, RecordView r) {
        String svg = switch (r.step) {
            case "ecsBlueGreen" -> r.events("phase-change").isEmpty() ? null : StepCharts.ecs(r);
            case "codeDeployRolling" -> StepCharts.codeDeploy(r);
            case "ecrPush" -> StepCharts.push(StepCharts.layers(r));
            default -> StepCharts.alarmGate(r);
        };
        if (svg == null) {
            return;
        }
        m.open("section", "class", "picture").nl().el("h2", "What happened").nl();
        m.open("figure").raw(svg).nl();
        caption(m, r);
        m.close("figure").nl();
        if (r.step.equals("codeDeployRolling")) {
            failedInstances(m, r);
        }
        if (r.step.equals("ecrPush")) {
            pushTotals(m, r);
        }
        m.close("section").nl();
    }

    /** Under the chart, in words: the moment and reason of a rollback or failure. */
    private static void caption(Markup m, RecordView r) {
        String reason = r.result("reason");
        Instant turned = null;
        String what = null;
        Ev turn = StepCharts.turn(r);
        if (turn != null) {
            turned = turn.at();
            what = StepCharts.rolledBack(turn) ? "Rolled back" : "Failed";
            if (reason == null) {
                reason = turn.s("reason");
            }
        }
        if (reason == null && r.result("error") != null) {
            reason = r.result("error");
        }
        if (what == null && !"SUCCEEDED".equals(r.outcome) && reason != null) {
            what = "Failed";
        }
        if (what == null) {
            return;
        }
        m.open("figcaption", "class", "turning-point").open("strong").text(what
                + (turned == null ? "" : " at " + TimeAxis.clock(turned) + " UTC (" + new TimeAxis(r.start(),
                r.finishedAt, 0, 1).rel(turned) + ")")).close("strong");
        if (reason != null) {
            m.text(": " + reason);
        }
        String rollbackId = r.result("rollbackDeploymentId");
        if (rollbackId != null) {
            m.text(" — rollback deployment " + rollbackId + (r.result("rollbackStatus") == null ? ""
                    : " " + r.result("rollbackStatus")));
        }
        m.close("figcaption").nl();
    }

    private static void failedInstances(Markup m, RecordView r) {
        JsonNode failures = r.result().path("failures");
        if (!failures.isArray() || failures.isEmpty()) {
            return;
        }
        m.el("h3", "Failed instances: the lifecycle event that failed").nl();
        m.open("table", "class", "failures", "border", 1, "cellpadding", 5, "cellspacing", 0).nl();
        m.open("tr").el("th", "instance", "align", "left").el("th", "lifecycle event", "align", "left")
                .el("th", "what CodeDeploy said", "align", "left").close("tr").nl();
        for (JsonNode f : failures) {
            String line = f.asText();
            int colon = line.indexOf(": ");
            String id = colon > 0 ? line.substring(0, colon) : "";
            String rest = colon > 0 ? line.substring(colon + 2) : line;
            int failed = rest.indexOf(" failed");
            String event = failed > 0 ? rest.substring(0, failed) : "";
            String detail = failed > 0 ? rest.substring(failed + " failed".length()).strip() : rest;
            if (detail.startsWith("(") && detail.contains(")")) {
                detail = detail.substring(1, detail.indexOf(')')) + detail.substring(detail.indexOf(')') + 1);
            }
            m.open("tr").el("td", id).el("td", event.isEmpty() ? "—" : event + " failed").el("td", detail)
                    .close("tr").nl();
        }
        m.close("table").nl();
    }

    private static void pushTotals(Markup m, RecordView r) {
        JsonNode res = r.result();
        if (!res.has("bytesUploaded")) {
            return;
        }
        long ms = res.path("durationMs").asLong();
        long bytes = res.path("bytesUploaded").asLong();
        int up = res.path("layersUploaded").asInt();
        m.el("p", up + (up == 1 ? " layer" : " layers") + " uploaded (" + StepCharts.size(bytes) + "), "
                + res.path("layersSkipped").asInt() + " skipped as already in the registry; the push took "
                + TimeAxis.length(Duration.ofMillis(ms)) + (ms > 0 && bytes > 0 ? ", " + Markup.num(Math.round(
                bytes / 1e5 / (ms / 1000.0)) / 10.0) + " MB/s overall" : "") + ".", "class", "totals").nl();
    }

    private static void resultTable(Markup m, RecordView r) {
        Map<String, String> f = new LinkedHashMap<>();
        RecordView.flat(r.result()).forEach((k, v) -> {
            String top = k.contains(".") ? k.substring(0, k.indexOf('.')) : k;
            if (!RESULT_SHOWN_ELSEWHERE.contains(top)) {
                f.put(k, v);
            }
        });
        fields(m, "result", "Result", f);
    }

    /** A titled two-column table of name and value, left out when there is nothing to show. */
    private static void fields(Markup m, String cssClass, String title, Map<String, String> fields) {
        if (fields.isEmpty()) {
            return;
        }
        m.open("section", "class", cssClass).nl().el("h2", title).nl();
        m.open("table", "class", cssClass, "border", 1, "cellpadding", 4, "cellspacing", 0).nl();
        fields.forEach((k, v) -> row(m, k, v));
        m.close("table").nl().close("section").nl();
    }

    /** API calls by operation, with a bar so the expensive ones stand out. */
    private static void apiCalls(Markup m, RecordView r) {
        JsonNode calls = r.json.path("apiCalls");
        if (!calls.isObject() || calls.isEmpty()) {
            return;
        }
        int max = 1;
        int total = 0;
        for (JsonNode n : calls) {
            max = Math.max(max, n.asInt());
            total += n.asInt();
        }
        m.open("section", "class", "api-calls").nl().el("h2", "AWS API calls (" + total + ")").nl();
        m.open("table", "class", "api-calls", "border", 1, "cellpadding", 4, "cellspacing", 0).nl();
        // HTTP attempts behind the calls (retries included), in records that have them.
        JsonNode attempts = r.json.path("apiAttempts");
        m.open("tr").el("th", "operation", "align", "left").el("th", "calls", "align", "right")
                .el("th", "HTTP attempts", "align", "right").el("th", "").close("tr").nl();
        for (Iterator<Map.Entry<String, JsonNode>> it = calls.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int n = e.getValue().asInt();
            double w = 200.0 * n / max;
            m.open("tr").el("td", e.getKey()).el("td", n, "align", "right")
                    .el("td", attempts.path(e.getKey()).isInt() ? attempts.path(e.getKey()).asText() : "",
                            "align", "right").open("td")
                    .open("svg", "xmlns", "http://www.w3.org/2000/svg", "width", 204, "height", 12,
                            "viewBox", "0 0 204 12", "aria-hidden", "true")
                    .empty("rect", "x", 0, "y", 1, "width", Math.max(1, w), "height", 10, "fill", "#8c959f")
                    .close("svg").close("td").close("tr").nl();
        }
        m.close("table").nl().close("section").nl();
    }

    /** What the person running it read, with times; record-only notes (phase changes, layers) are left out. */
    private static void timeline(Markup m, RecordView r) {
        List<Ev> said = r.events.stream().filter(e -> !e.type().equals("phase-change") && !e.type().equals("layer"))
                .toList();
        if (said.isEmpty()) {
            return;
        }
        TimeAxis t = new TimeAxis(r.start(), r.finishedAt, 0, 1);
        m.open("section", "class", "timeline").nl().el("h2", "Timeline").nl();
        m.open("table", "class", "timeline", "border", 1, "cellpadding", 4, "cellspacing", 0).nl();
        m.open("tr").el("th", "time (UTC)", "align", "left").el("th", "since start", "align", "left")
                .el("th", "what", "align", "left").el("th", "", "align", "left").close("tr").nl();
        for (Ev e : said) {
            boolean key = e.type().equals("decision") || e.type().equals("action");
            m.open("tr", "class", "event event-" + e.type()).el("td", TimeAxis.clock(e.at()), "nowrap", "nowrap")
                    .el("td", t.rel(e.at()), "nowrap", "nowrap").el("td", e.type())
                    .open("td").open(key ? "strong" : "span").text(e.message()).close(key ? "strong" : "span")
                    .close("td").close("tr").nl();
        }
        m.close("table").nl().close("section").nl();
    }

    private static void inputs(Markup m, RecordView r) {
        fields(m, "inputs", "Inputs", RecordView.flat(r.json.path("inputs")));
    }
}
