package dev.awsdeploy.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads a step's input map against its declared parameters. Problems are collected, not thrown one at a
 * time, so a user sees everything that is wrong in one go; {@link #check()} throws them all.
 */
public final class Params {
    private final Map<String, Object> raw;
    private final Map<String, Param> spec = new LinkedHashMap<>();
    private final List<Problem> problems = new ArrayList<>();

    public Params(Map<String, ?> input, Collection<Param> declared) {
        this.raw = new LinkedHashMap<>();
        for (Param p : declared) {
            spec.put(p.name(), p);
        }
        for (Param p : Param.COMMON) {
            spec.putIfAbsent(p.name(), p);
        }
        input.forEach((k, v) -> {
            if (v != null) {
                raw.put(k, v);
            }
        });
        for (String key : raw.keySet()) {
            if (!spec.containsKey(key)) {
                String near = nearest(key, spec.keySet());
                problems.add(new Problem(key, String.valueOf(raw.get(key)), "unknown parameter",
                        near != null ? "did you mean '" + near + "'?"
                                : "known parameters: " + String.join(", ", spec.keySet())));
            }
        }
    }

    public boolean has(String name) {
        Object v = raw.get(name);
        return v != null && !(v instanceof String s && s.isBlank());
    }

    /** The input as given, for the deployment record (never holds secrets: no parameter is a secret). */
    public Map<String, Object> given() {
        Map<String, Object> copy = new LinkedHashMap<>(raw);
        copy.keySet().retainAll(spec.keySet());
        return copy;
    }

    public void problem(String parameter, Object value, String message, String fix) {
        problems.add(new Problem(parameter, value == null ? null : String.valueOf(value), message, fix));
    }

    public boolean hasProblems() {
        return !problems.isEmpty();
    }

    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    public void check() {
        if (!problems.isEmpty()) {
            throw new BadInputException(problems);
        }
    }

    public String string(String name) {
        declared(name);
        Object v = raw.get(name);
        if (v == null) {
            return null;
        }
        String s = String.valueOf(v).trim();
        return s.isEmpty() ? null : s;
    }

    public String string(String name, String fallback) {
        String s = string(name);
        return s == null ? fallback : s;
    }

    public String required(String name, String fix) {
        String s = string(name);
        if (s == null) {
            problem(name, null, "is required", fix);
        }
        return s;
    }

    public Integer integer(String name, Integer fallback, long min, long max) {
        String s = string(name);
        if (s == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(stripDecimalZero(s));
            if (n < min || n > max) {
                problem(name, s, "must be between " + min + " and " + max, "give a whole number in that range");
                return fallback;
            }
            return (int) n;
        } catch (NumberFormatException e) {
            problem(name, s, "is not a whole number", "give a whole number between " + min + " and " + max);
            return fallback;
        }
    }

    public Double number(String name, Double fallback) {
        String s = string(name);
        if (s == null) {
            return fallback;
        }
        try {
            double d = Double.parseDouble(s);
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            problem(name, s, "is not a number", "give a number such as 5 or 5.0");
            return fallback;
        }
    }

    public boolean bool(String name, boolean fallback) {
        String s = string(name);
        if (s == null) {
            return fallback;
        }
        return switch (s.toLowerCase()) {
            case "true", "yes" -> true;
            case "false", "no" -> false;
            default -> {
                problem(name, s, "is not true or false", "write true or false");
                yield fallback;
            }
        };
    }

    /**
     * A list from a List/array value (each element one item, kept whole, so an item may hold a comma), or a
     * comma-separated string.
     */
    public List<String> list(String name) {
        declared(name);
        Object v = raw.get(name);
        if (v == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (v instanceof Collection<?> || v instanceof Object[]) {
            for (Object o : v instanceof Collection<?> c ? c.toArray() : (Object[]) v) {
                String item = o == null ? "" : String.valueOf(o).trim();
                if (!item.isEmpty()) {
                    out.add(item);
                }
            }
        } else {
            out.addAll(splitCommas(String.valueOf(v)));
        }
        return List.copyOf(out);
    }

    public Duration duration(String name, Duration fallback) {
        String s = string(name);
        if (s == null) {
            return fallback;
        }
        Duration d = Durations.parse(s);
        if (d == null) {
            problem(name, s, "is not a duration", "write it like 90s, 5m, 1h or 1h30m");
            return fallback;
        }
        return d;
    }

    /** One of a fixed set of words, compared without regard to case; returns the canonical spelling. */
    public String oneOf(String name, String fallback, List<String> allowed) {
        String s = string(name);
        if (s == null) {
            return fallback;
        }
        for (String a : allowed) {
            if (a.equalsIgnoreCase(s)) {
                return a;
            }
        }
        problem(name, s, "is not one of " + String.join(", ", allowed),
                suggestion(s, allowed, "use one of " + String.join(", ", allowed)));
        return fallback;
    }

    private void declared(String name) {
        if (!spec.containsKey(name)) {
            throw new IllegalArgumentException("parameter " + name + " is not declared");
        }
    }

    private static String stripDecimalZero(String s) {
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    private static List<String> splitCommas(String s) {
        return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).collect(Collectors.toList());
    }

    /** "did you mean 'X'?" when a close spelling exists, else the fallback advice. */
    public static String suggestion(String given, Collection<String> known, String otherwise) {
        String near = nearest(given, known);
        return near != null ? "did you mean '" + near + "'?" : otherwise;
    }

    /** The closest known name within a small edit distance, or null. */
    public static String nearest(String given, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String g = given.toLowerCase();
        for (String k : known) {
            int d = distance(g, k.toLowerCase());
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        int allowed = Math.max(2, given.length() / 4);
        return bestDistance <= allowed ? best : null;
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    public Set<String> declaredNames() {
        return spec.keySet();
    }
}
