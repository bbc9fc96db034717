package dev.awsdeploy.jenkins;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import net.sf.json.JSONArray;
import net.sf.json.JSONObject;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * List properties in forms: shown one value per line in a text area, and split back into a list (at line breaks
 * and commas, blanks dropped) before Stapler binds the form to the Step. Which properties are lists is read from the
 * Step's {@code @DataBoundSetter}s, so a new list property needs nothing here.
 */
final class FormLists {
    private FormLists() {
    }

    static JSONObject split(Class<?> step, JSONObject form) {
        JSONObject out = JSONObject.fromObject(form);
        for (Method m : step.getMethods()) {
            if (!m.isAnnotationPresent(DataBoundSetter.class) || m.getParameterCount() != 1
                    || !List.class.isAssignableFrom(m.getParameterTypes()[0])) {
                continue;
            }
            String name = java.beans.Introspector.decapitalize(m.getName().substring(3));
            Object value = out.opt(name);
            if (value instanceof String text) {
                List<String> items = values(text);
                if (items.isEmpty()) {
                    out.remove(name);
                } else {
                    out.put(name, JSONArray.fromObject(items));
                }
            }
        }
        return out;
    }

    static List<String> values(String text) {
        List<String> items = new ArrayList<>();
        for (String part : text.split("[,\\r\\n]+")) {
            if (!part.isBlank()) {
                items.add(part.trim());
            }
        }
        return items;
    }

    static String join(List<String> values) {
        return values == null ? "" : String.join("\n", values);
    }
}
