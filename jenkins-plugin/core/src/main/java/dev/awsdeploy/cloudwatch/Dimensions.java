package dev.awsdeploy.cloudwatch;

import dev.awsdeploy.run.Params;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;

/** Dimensions written as {@code Name=Value}, as in the Jenkinsfile and on the command line. */
final class Dimensions {
    static final int MAX = 30;

    private Dimensions() {
    }

    static List<Dimension> parse(Params p, String param) {
        List<Dimension> out = new ArrayList<>();
        for (String item : p.list(param)) {
            int eq = item.indexOf('=');
            if (eq <= 0 || eq == item.length() - 1) {
                p.problem(param, item, "is not Name=Value", "write each dimension as Name=Value, e.g. "
                        + "LoadBalancer=app/myapp-alb/50dc6c495c0c9188");
                continue;
            }
            out.add(Dimension.builder().name(item.substring(0, eq).trim()).value(item.substring(eq + 1).trim())
                    .build());
        }
        if (out.size() > MAX) {
            p.problem(param, out.size() + " dimensions", "has more than " + MAX, "give at most " + MAX);
        }
        return out;
    }
}
