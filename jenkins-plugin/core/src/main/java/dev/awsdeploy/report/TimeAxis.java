package dev.awsdeploy.report;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Maps the run's instants onto the chart's x range and writes times the way people read them. */
final class TimeAxis {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final long[] STEPS_S = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600};

    final Instant start;
    final Instant end;
    final double x0;
    final double x1;

    TimeAxis(Instant start, Instant end, double x0, double x1) {
        this.start = start;
        // A run that took no measurable time still gets a readable axis.
        this.end = end == null || !end.isAfter(start) ? start.plusSeconds(1) : end;
        this.x0 = x0;
        this.x1 = x1;
    }

    double x(Instant t) {
        if (t == null) {
            return x1;
        }
        double span = Duration.between(start, end).toMillis();
        double at = Duration.between(start, t).toMillis();
        return x0 + Math.max(0, Math.min(1, at / span)) * (x1 - x0);
    }

    /** Grid lines with their labels, from the top of the plot down to the axis at {@code y}. */
    void draw(Markup m, double top, double y) {
        long spanS = Math.max(1, Duration.between(start, end).toSeconds());
        long step = STEPS_S[STEPS_S.length - 1];
        for (long s : STEPS_S) {
            if (spanS / s <= 8) {
                step = s;
                break;
            }
        }
        m.empty("line", "x1", x0, "y1", y, "x2", x1, "y2", y, "stroke", "#57606a", "stroke-width", 1);
        for (long s = 0; s <= spanS; s += step) {
            double x = x(start.plusSeconds(s));
            m.empty("line", "x1", x, "y1", top, "x2", x, "y2", y, "stroke", "#d0d7de", "stroke-width", 1,
                    "stroke-dasharray", "2 3");
            m.empty("line", "x1", x, "y1", y, "x2", x, "y2", y + 5, "stroke", "#57606a", "stroke-width", 1);
            m.el("text", "+" + since(Duration.ofSeconds(s)), "x", x, "y", y + 18, "text-anchor", "middle",
                    "font-size", 11, "fill", "#57606a");
        }
        m.el("text", clock(start) + " UTC", "x", x0, "y", y + 33, "text-anchor", "start", "font-size", 11,
                "fill", "#57606a");
        m.el("text", clock(end) + " UTC", "x", x1, "y", y + 33, "text-anchor", "end", "font-size", 11,
                "fill", "#57606a");
    }

    String rel(Instant t) {
        return "+" + since(Duration.between(start, t));
    }

    static String clock(Instant t) {
        return CLOCK.format(t);
    }

    static String day(Instant t) {
        return DAY.format(t);
    }

    /** 0s, 45s, 3m05s, 1h02m. */
    static String since(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + (s % 60 == 0 ? "" : String.format("%02ds", s % 60));
        }
        return (s / 3600) + "h" + String.format("%02dm", (s % 3600) / 60);
    }

    /** A duration to read: 850 ms, 12.4 s, 3m05s. */
    static String length(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 60_000) {
            return Markup.num(Math.round(ms / 100.0) / 10.0) + " s";
        }
        return since(d);
    }
}
