package dev.awsdeploy.jenkins;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The input map handed to the engine, built from a Step's properties. Only given values go in, so the engine
 * applies its own defaults; lists are copied into plain serialisable lists, since the map is kept in the
 * StepExecution across a controller restart.
 */
final class EngineInput {
    private final LinkedHashMap<String, Object> values = new LinkedHashMap<>();

    void put(String name, Object value) {
        if (value == null) {
            return;
        }
        if (value instanceof List<?> list) {
            ArrayList<String> copy = new ArrayList<>();
            for (Object o : list) {
                if (o != null) {
                    copy.add(String.valueOf(o));
                }
            }
            values.put(name, copy);
        } else {
            values.put(name, value);
        }
    }

    LinkedHashMap<String, Object> values() {
        return new LinkedHashMap<>(values);
    }

    /** Forms post empty text fields as ""; the engine should see them as not given. */
    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    static List<String> copy(List<String> list) {
        return list == null || list.isEmpty() ? null : new ArrayList<>(list);
    }
}
