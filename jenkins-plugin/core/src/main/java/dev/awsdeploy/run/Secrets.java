package dev.awsdeploy.run;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Secret values known to this run (AWS keys, session tokens, registry passwords). Everything written for a
 * person or a program passes through {@link #redact(String)} as a last line of defence.
 */
public final class Secrets {
    private static final int SHORTEST = 6;
    private final Set<String> values = ConcurrentHashMap.newKeySet();
    private volatile Secrets also;

    public void add(String secret) {
        if (secret != null && secret.length() >= SHORTEST) {
            values.add(secret);
            Secrets a = also;
            if (a != null) {
                a.add(secret);
            }
        }
    }

    /**
     * Every secret known here, and every one added from now on, is known to {@code run} too (what was gathered
     * before the run began: the CLI's early AWS context).
     */
    public void shareWith(Secrets run) {
        also = run;
        values.forEach(run::add);
    }

    public String redact(String text) {
        if (text == null || values.isEmpty()) {
            return text;
        }
        String out = text;
        for (String v : values) {
            if (out.contains(v)) {
                out = out.replace(v, "****");
            }
        }
        return out;
    }
}
