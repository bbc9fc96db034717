package dev.awsdeploy.report;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One SVG timeline: rows stacked from the top (bands, lines, marks), a time axis at the bottom, vertical markers
 * across all rows. Styling is SVG presentation attributes only (allowed under Jenkins' CSP, kept when printed);
 * every coloured thing also carries a text label or a distinct shape, so the chart reads without colour.
 */
final class Chart {
    static final String FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";
    static final double WIDTH = 960;
    static final double LEFT = 140;
    static final double RIGHT = 30;
    static final String INK = "#24292f";
    static final String MUTED = "#57606a";

    record Band(Instant from, Instant to, String label, String fill, String ink, String title) {
    }

    record Mark(Instant at, boolean good, String label, String title) {
    }

    record Point(Instant at, double value) {
    }

    record Series(String name, String stroke, String dash, List<Point> points) {
    }

    record Marker(Instant at, String label, String stroke) {
    }

    private final String id;
    private final String title;
    final TimeAxis axis;
    private final Markup body = new Markup();
    private final List<Marker> markers = new ArrayList<>();
    private double y = 34;

    Chart(String id, String title, Instant start, Instant end) {
        this.id = id;
        this.title = title;
        this.axis = new TimeAxis(start, end, LEFT, WIDTH - RIGHT);
    }

    private void rowLabel(String label, double centre) {
        body.el("text", label, "x", LEFT - 10, "y", centre + 4, "text-anchor", "end", "font-size", 12,
                "font-weight", "bold", "fill", INK);
    }

    /** A row of intervals (phases, alarm states), each labelled inside when it fits. */
    Chart bands(String label, String cssClass, List<Band> bands) {
        double h = 26;
        body.open("g", "class", cssClass);
        rowLabel(label, y + h / 2);
        body.empty("rect", "x", LEFT, "y", y, "width", axis.x1 - LEFT, "height", h, "fill", "#f6f8fa",
                "stroke", "#d0d7de");
        for (int i = 0; i < bands.size(); i++) {
            Band b = bands.get(i);
            double x0 = axis.x(b.from());
            double x1 = Math.max(axis.x(b.to()), x0 + 3);
            body.open("g", "class", "band");
            body.open("rect", "x", x0, "y", y, "width", x1 - x0, "height", h, "fill", b.fill(), "stroke", "#ffffff",
                    "stroke-width", 1).el("title", b.title()).close("rect");
            String text = fit(b.label(), x1 - x0);
            if (text != null) {
                body.el("text", text, "x", (x0 + x1) / 2, "y", y + h / 2 + 4, "text-anchor", "middle",
                        "font-size", 11, "fill", b.ink());
            } else if (i == bands.size() - 1 && b.label() != null) {
                // The last state of a row is often the one that mattered (ALARM just before the rollback):
                // too short a band to hold its name gets it written beside, on the row's background.
                boolean left = x1 + b.label().length() * 6.5 + 8 > axis.x1;
                body.el("text", b.label(), "x", left ? x0 - 4 : x1 + 4, "y", y + h / 2 + 4, "text-anchor",
                        left ? "end" : "start", "font-size", 11, "font-weight", "bold", "fill", INK);
            }
            body.close("g");
        }
        body.close("g").nl();
        y += h + 8;
        return this;
    }

    /** Lines of values over time (traffic weight per colour), as steps: a value holds until the next change. */
    Chart steps(String label, String cssClass, double max, String unit, List<Series> series) {
        double h = 150;
        double top = y + 8;
        double bottom = top + h;
        body.open("g", "class", cssClass);
        body.el("text", label, "x", LEFT - 44, "y", top + h / 2 + 4, "text-anchor", "end", "font-size", 12,
                "font-weight", "bold", "fill", INK);
        for (double v : new double[] {0, max / 2, max}) {
            double gy = bottom - v / max * h;
            body.empty("line", "x1", LEFT, "y1", gy, "x2", axis.x1, "y2", gy, "stroke", "#d0d7de",
                    "stroke-width", 1);
            body.el("text", Markup.num(v) + unit, "x", LEFT - 4, "y", gy + 4, "text-anchor", "end",
                    "font-size", 10, "fill", MUTED);
        }
        int n = 0;
        for (Series s : series) {
            if (s.points().isEmpty()) {
                continue;
            }
            StringBuilder d = new StringBuilder();
            for (int i = 0; i < s.points().size(); i++) {
                Point p = s.points().get(i);
                double px = axis.x(p.at());
                double py = bottom - p.value() / max * h;
                d.append(i == 0 ? "M" : " H").append(Markup.num(px));
                if (i == 0) {
                    d.append(' ').append(Markup.num(py));
                } else {
                    d.append(" V").append(Markup.num(py));
                }
            }
            d.append(" H").append(Markup.num(axis.x1));
            body.open("g", "class", "series");
            body.open("path", "d", d.toString(), "fill", "none", "stroke", s.stroke(), "stroke-width", 3,
                    "stroke-dasharray", s.dash(), "stroke-linejoin", "round").el("title", s.name()).close("path");
            for (int i = 0; i < s.points().size(); i++) {
                Point p = s.points().get(i);
                boolean changed = i == 0 || p.value() != s.points().get(i - 1).value();
                if (!changed) {
                    continue;
                }
                double px = axis.x(p.at());
                double py = bottom - p.value() / max * h;
                body.empty("circle", "cx", px, "cy", py, "r", 3.5, "fill", s.stroke());
                boolean nearEnd = px > axis.x1 - 90;
                body.el("text", s.name() + " " + Markup.num(p.value()) + unit, "x", nearEnd ? px - 5 : px + 5,
                        "y", py + (n % 2 == 0 ? -6 : 14), "text-anchor", nearEnd ? "end" : "start", "font-size", 11,
                        "fill", s.stroke(), "font-weight", "bold");
            }
            body.close("g");
            n++;
        }
        body.close("g").nl();
        y = bottom + 28;
        return legend(series);
    }

    private Chart legend(List<Series> series) {
        double x = LEFT;
        for (Series s : series) {
            body.empty("line", "x1", x, "y1", y, "x2", x + 28, "y2", y, "stroke", s.stroke(), "stroke-width", 3,
                    "stroke-dasharray", s.dash());
            body.el("text", s.name(), "x", x + 34, "y", y + 4, "font-size", 11, "fill", INK);
            x += 48 + 7 * s.name().length();
        }
        y += 16;
        return this;
    }

    /** Stacked areas (instances by state): each point holds the values of all names at that moment. */
    Chart stacked(String label, String cssClass, List<String> names, List<String> fills,
                  List<Instant> at, List<double[]> values) {
        double h = 150;
        double top = y + 8;
        double bottom = top + h;
        double max = 1;
        for (double[] v : values) {
            double sum = 0;
            for (double d : v) {
                sum += d;
            }
            max = Math.max(max, sum);
        }
        body.open("g", "class", cssClass);
        rowLabel(label, top + h / 2);
        for (double v : new double[] {0, Math.round(max / 2.0), max}) {
            double gy = bottom - v / max * h;
            body.empty("line", "x1", LEFT, "y1", gy, "x2", axis.x1, "y2", gy, "stroke", "#d0d7de");
            body.el("text", Markup.num(v), "x", LEFT - 4, "y", gy + 4, "text-anchor", "end", "font-size", 10,
                    "fill", MUTED);
        }
        for (int i = 0; i < at.size(); i++) {
            double x0 = axis.x(at.get(i));
            double x1 = i + 1 < at.size() ? axis.x(at.get(i + 1)) : axis.x1;
            double base = bottom;
            double[] v = values.get(i);
            for (int k = 0; k < names.size(); k++) {
                if (v[k] <= 0) {
                    continue;
                }
                double hh = v[k] / max * h;
                body.open("rect", "class", "count", "x", x0, "y", base - hh, "width", Math.max(1, x1 - x0),
                        "height", hh, "fill", fills.get(k), "stroke", "#ffffff", "stroke-width", 0.5)
                        .el("title", names.get(k) + " " + Markup.num(v[k]) + " at " + TimeAxis.clock(at.get(i)))
                        .close("rect");
                if (x1 - x0 > 60 && hh >= 13) {
                    body.el("text", names.get(k) + " " + Markup.num(v[k]), "x", x0 + 4, "y", base - hh / 2 + 4,
                            "font-size", 10, "fill", INK);
                }
                base -= hh;
            }
        }
        body.close("g").nl();
        y = bottom + 14;
        double x = LEFT;
        for (int k = 0; k < names.size(); k++) {
            body.empty("rect", "x", x, "y", y - 6, "width", 14, "height", 10, "fill", fills.get(k), "stroke", INK,
                    "stroke-width", 0.5);
            body.el("text", names.get(k), "x", x + 18, "y", y + 3, "font-size", 11, "fill", INK);
            x += 40 + 7 * names.get(k).length();
        }
        y += 16;
        return this;
    }

    /** Checks at moments: a tick in a circle when it passed, a cross in a square when not. */
    Chart marks(String label, String cssClass, List<Mark> marks) {
        double h = 30;
        double c = y + h / 2;
        body.open("g", "class", cssClass);
        rowLabel(label, c);
        body.empty("line", "x1", LEFT, "y1", c, "x2", axis.x1, "y2", c, "stroke", "#d0d7de");
        int n = 0;
        double lastX = -100;
        for (Mark m : marks) {
            double x = axis.x(m.at());
            body.open("g", "class", m.good() ? "mark pass" : "mark fail");
            body.el("title", m.title());
            if (m.good()) {
                body.empty("circle", "cx", x, "cy", c, "r", 7, "fill", "#dafbe1", "stroke", "#1a7f37",
                        "stroke-width", 1.5);
                body.empty("path", "d", "M" + Markup.num(x - 3.5) + " " + Markup.num(c) + " l2.5 3 l4.5 -6",
                        "fill", "none", "stroke", "#1a7f37", "stroke-width", 2);
            } else {
                body.empty("rect", "x", x - 7, "y", c - 7, "width", 14, "height", 14, "fill", "#ffebe9",
                        "stroke", "#cf222e", "stroke-width", 1.5);
                body.empty("path", "d", "M" + Markup.num(x - 4) + " " + Markup.num(c - 4) + " l8 8 m0 -8 l-8 8",
                        "stroke", "#cf222e", "stroke-width", 2);
            }
            if (m.label() != null && x - lastX > 46) {
                body.el("text", m.label(), "x", x, "y", n % 2 == 0 ? c - 11 : c + 20, "text-anchor", "middle",
                        "font-size", 10, "fill", INK);
                lastX = x;
                n++;
            }
            body.close("g");
        }
        body.close("g").nl();
        y += h + 10;
        return this;
    }

    Chart marker(Instant at, String label, String stroke) {
        markers.add(new Marker(at, label, stroke));
        return this;
    }

    /** The whole SVG, with the axis under the rows and the markers across them. */
    String svg() {
        Markup m = new Markup();
        double axisY = y + 4;
        double height = axisY + 44;
        m.open("svg", "xmlns", "http://www.w3.org/2000/svg", "id", id, "class", "chart", "viewBox",
                "0 0 " + Markup.num(WIDTH) + " " + Markup.num(height), "width", WIDTH, "height", height,
                "role", "img", "aria-label", title, "font-family", FONT);
        m.el("title", title);
        m.empty("rect", "x", 0, "y", 0, "width", WIDTH, "height", height, "fill", "#ffffff");
        m.el("text", title, "x", 12, "y", 20, "font-size", 14, "font-weight", "bold", "fill", INK);
        axis.draw(m, 28, axisY);
        m.raw(body.toString());
        for (Marker k : markers) {
            double x = axis.x(k.at());
            m.open("g", "class", "marker");
            m.empty("line", "x1", x, "y1", 26, "x2", x, "y2", axisY, "stroke", k.stroke(), "stroke-width", 2,
                    "stroke-dasharray", "6 3");
            boolean right = x > WIDTH - 200;
            m.el("text", k.label(), "x", right ? x - 4 : x + 4, "y", 22, "text-anchor", right ? "end" : "start",
                    "font-size", 12, "font-weight", "bold", "fill", k.stroke());
            m.close("g");
        }
        m.close("svg");
        return m.toString();
    }

    /** The label when it fits the width at about 6.5 px a character, else a shorter form or nothing. */
    static String fit(String label, double width) {
        if (label == null) {
            return null;
        }
        if (label.length() * 6.5 + 6 <= width) {
            return label;
        }
        int chars = (int) ((width - 6) / 6.5);
        if (chars >= 4) {
            return label.substring(0, chars - 1) + "…";
        }
        return null;
    }
}
