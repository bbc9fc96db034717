package dev.awsdeploy.report;

import java.util.Locale;

/**
 * Well-formed HTML and SVG written into a buffer, every text and attribute escaped. The page is XHTML-clean on
 * purpose (each element closed, no named entities) so tests can read it back with the JDK's XML parser. Written
 * by hand: the page has a handful of element kinds and no template engine would pay for itself.
 */
final class Markup {
    private final StringBuilder b = new StringBuilder(32_768);

    /** {@code <tag a="v" ...>}; attributes as name, value pairs, a null value leaves the attribute out. */
    Markup open(String tag, Object... attrs) {
        b.append('<').append(tag);
        attributes(attrs);
        b.append('>');
        return this;
    }

    Markup empty(String tag, Object... attrs) {
        b.append('<').append(tag);
        attributes(attrs);
        b.append("/>");
        return this;
    }

    Markup close(String tag) {
        b.append("</").append(tag).append('>');
        return this;
    }

    /** An element holding only text. */
    Markup el(String tag, Object text, Object... attrs) {
        return open(tag, attrs).text(text).close(tag);
    }

    Markup text(Object text) {
        b.append(escape(String.valueOf(text == null ? "" : text)));
        return this;
    }

    Markup raw(String markup) {
        b.append(markup);
        return this;
    }

    Markup nl() {
        b.append('\n');
        return this;
    }

    private void attributes(Object[] attrs) {
        if (attrs.length % 2 != 0) {
            throw new IllegalArgumentException("attributes come in name, value pairs");
        }
        for (int i = 0; i < attrs.length; i += 2) {
            Object v = attrs[i + 1];
            if (v == null) {
                continue;
            }
            b.append(' ').append(attrs[i]).append("=\"").append(escape(v instanceof Double d ? num(d)
                    : String.valueOf(v))).append('"');
        }
    }

    static String num(double d) {
        if (d == Math.rint(d)) {
            return Long.toString((long) d);
        }
        return String.format(Locale.ROOT, "%.1f", d);
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    // Control characters are not allowed in XML 1.0; a record may carry a log tail with them.
                    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
                        out.append(' ');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return b.toString();
    }
}
