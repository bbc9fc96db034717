package dev.awsdeploy.jenkins;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import hudson.model.TaskListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.structs.describable.DescribableModel;
import org.jenkinsci.plugins.structs.describable.DescribableParameter;
import org.jenkinsci.plugins.workflow.cps.Snippetizer;
import org.jenkinsci.plugins.workflow.cps.SnippetizerTester;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepConfigTester;
import org.junit.Rule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;

/**
 * The Snippet Generator round trip of each step, with every property given: structs reads each property back
 * through its getter (a property it cannot read, like a setETag named ETag, fails here), the generated snippet
 * runs back into an equal step, and the step's form (config.jelly: numbers with decimals, lists one per line)
 * binds back to an equal step.
 */
public class SnippetRoundTripTest {
    @Rule
    public JenkinsRule r = new JenkinsRule();

    /** A value for every property, by its type; action is the one a form lists. */
    private static <S extends Step> S everyPropertyGiven(Class<S> type) throws Exception {
        DescribableModel<S> model = DescribableModel.of(type);
        Map<String, Object> values = new LinkedHashMap<>();
        for (DescribableParameter p : model.getParameters()) {
            Class<?> t = p.getErasedType();
            Object v;
            if (p.getName().equals("action")) {
                v = "wait";
            } else if (t == Integer.class) {
                v = 7;
            } else if (t == Double.class) {
                v = 2.5;
            } else if (t == Boolean.class) {
                v = true;
            } else if (List.class.isAssignableFrom(t)) {
                v = List.of("first-" + p.getName(), "second-" + p.getName());
            } else {
                v = "value-of-" + p.getName();
            }
            values.put(p.getName(), v);
        }
        return model.instantiate(values, TaskListener.NULL);
    }

    private void roundTrip(Class<? extends Step> type) throws Exception {
        Step step = everyPropertyGiven(type);
        String snippet = Snippetizer.object2Groovy(step);
        List<String> missing = new ArrayList<>();
        for (DescribableParameter p : DescribableModel.of(type).getParameters()) {
            if (!snippet.contains(p.getName() + ": ")) {
                missing.add(p.getName());
            }
        }
        assertEquals("properties the Snippet Generator does not write: " + snippet, List.of(), missing);
        new SnippetizerTester(r).assertRoundTrip(step, snippet);
        r.assertEqualDataBoundBeans(step, new StepConfigTester(r).configRoundTrip(step));
    }

    @Test
    public void ecrPush() throws Exception {
        roundTrip(EcrPushStep.class);
    }

    @Test
    public void ecsBlueGreen() throws Exception {
        roundTrip(EcsBlueGreenStep.class);
    }

    @Test
    public void codeDeployRolling() throws Exception {
        roundTrip(CodeDeployRollingStep.class);
        assertTrue(Snippetizer.object2Groovy(everyPropertyGiven(CodeDeployRollingStep.class))
                .contains("eTag: 'value-of-eTag'"));
    }

    @Test
    public void cloudWatchAlarm() throws Exception {
        roundTrip(CloudWatchAlarmStep.class);
        String snippet = Snippetizer.object2Groovy(everyPropertyGiven(CloudWatchAlarmStep.class));
        assertTrue(snippet, snippet.contains("alarms: ['first-alarms', 'second-alarms']"));
        assertTrue(snippet, snippet.contains("threshold: 2.5"));
        // Without action the step is put, and the snippet says nothing about it: a bare call validates as the var.
        assertEquals("cloudWatchAlarm alarmName: 'HighErrorRate'", Snippetizer.object2Groovy(
                DescribableModel.of(CloudWatchAlarmStep.class).instantiate(Map.of("alarmName", "HighErrorRate"),
                        TaskListener.NULL)));
    }

    @Test
    public void aListTypedIntoTheFormWithCommasOrLinesBindsAsAList() {
        assertEquals(List.of("HighErrorRate", "Latency", "Errors5xx"),
                FormLists.values("HighErrorRate, Latency\n Errors5xx\n\n"));
        net.sf.json.JSONObject form = new net.sf.json.JSONObject();
        form.put("alarms", "HighErrorRate,Latency");
        form.put("cluster", "prod");
        net.sf.json.JSONObject bound = FormLists.split(EcsBlueGreenStep.class, form);
        assertEquals(List.of("HighErrorRate", "Latency"), new ArrayList<Object>(bound.getJSONArray("alarms")));
        assertEquals("prod", bound.getString("cluster"));
    }
}
