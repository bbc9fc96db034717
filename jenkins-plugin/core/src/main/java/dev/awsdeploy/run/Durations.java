package dev.awsdeploy.run;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as Jenkinsfiles write them: {@code 90s}, {@code 5m}, {@code 1h30m}, {@code 500ms}. */
public final class Durations {
    private static final Pattern WHOLE = Pattern.compile("((\\d+)(ms|h|m|s))+");
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|h|m|s)");

    private Durations() {
    }

    /** Returns null when the text is not a duration in this format. */
    public static Duration parse(String text) {
        if (text == null) {
            return null;
        }
        String t = text.trim();
        if (!WHOLE.matcher(t).matches()) {
            return null;
        }
        Duration d = Duration.ZERO;
        Matcher m = PART.matcher(t);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "h" -> d = d.plusHours(n);
                case "m" -> d = d.plusMinutes(n);
                case "s" -> d = d.plusSeconds(n);
                default -> d = d.plusMillis(n);
            }
        }
        return d;
    }

    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long h = d.toHours();
        long m = d.toMinutesPart();
        long s = d.toSecondsPart();
        long ms = d.toMillisPart();
        if (h > 0) {
            b.append(h).append('h');
        }
        if (m > 0) {
            b.append(m).append('m');
        }
        if (s > 0) {
            b.append(s).append('s');
        }
        if (ms > 0) {
            b.append(ms).append("ms");
        }
        return b.toString();
    }
}
