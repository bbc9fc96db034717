package dev.awsdeploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.awsdeploy.run.Param;
import dev.awsdeploy.run.StepDefinition;
import dev.awsdeploy.testing.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Jenkins plugin cannot be compiled on machines without Jenkins' Maven repository, so its Step classes are
 * checked here as source text against the engine: for every step the engine defines (every definition in
 * {@link Steps#all()}, so steps added later are covered as they arrive), the plugin Step's constructor and
 * {@code @DataBoundSetter} properties are exactly the engine's parameter names, plus the common ones, plus
 * {@code credentialsId} (plus {@code action} for a step with several actions); each property has the Java type of
 * its parameter's kind, goes into the engine's input, has a help file and a field in the Snippet Generator form.
 */
class PluginStepsMatchEngineTest {
    private static final Path SOURCES = Path.of(Repo.path("jenkins-plugin/plugin/src/main/java/dev/awsdeploy/jenkins"));
    private static final Path RESOURCES =
            Path.of(Repo.path("jenkins-plugin/plugin/src/main/resources/dev/awsdeploy/jenkins"));
    private static final String BASE = "EngineStep";

    private static final Pattern CONSTRUCTOR =
            Pattern.compile("@DataBoundConstructor\\s+public\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern SETTER =
            Pattern.compile("@DataBoundSetter\\s+public\\s+void\\s+set(\\w+)\\s*\\(\\s*([\\w<>?, ]+?)\\s+(\\w+)\\s*\\)");
    private static final Pattern PUT = Pattern.compile("in\\.put\\(\"(\\w+)\"");
    private static final Pattern SYMBOL = Pattern.compile("@Symbol\\(\"(\\w+)\"\\)");
    private static final Pattern FUNCTION_NAME =
            Pattern.compile("getFunctionName\\(\\)\\s*\\{\\s*return\\s+\"(\\w+)\";");
    private static final Pattern STEP_NAME = Pattern.compile("String stepName\\(\\)\\s*\\{\\s*return\\s+\"(\\w+)\";");
    private static final Pattern FIELD = Pattern.compile("field=\"(\\w+)\"");
    private static final Pattern WORKSPACE_FILES = Pattern.compile("workspaceFiles\\(\\)\\s*\\{\\s*return Map\\.of\\(([^;]*)\\);");

    /** Engine parameters by step name: every action's own parameters, with their kinds. */
    private static Map<String, Map<String, Param.Kind>> engineSteps() {
        Map<String, Map<String, Param.Kind>> steps = new LinkedHashMap<>();
        for (StepDefinition d : Steps.all()) {
            Map<String, Param.Kind> params = steps.computeIfAbsent(d.step(), s -> new LinkedHashMap<>());
            for (Param p : d.params()) {
                Param.Kind before = params.put(p.name(), p.kind());
                if (before != null && before != p.kind()) {
                    fail(d.step() + ": parameter " + p.name() + " is " + before + " in one action and " + p.kind()
                            + " in another; one plugin property cannot be both");
                }
            }
        }
        return steps;
    }

    private static boolean hasActions(String step) {
        return Steps.all().stream().anyMatch(d -> d.step().equals(step) && d.action() != null);
    }

    /** ecrPush → EcrPushStep. */
    private static String className(String step) {
        return Character.toUpperCase(step.charAt(0)) + step.substring(1) + "Step";
    }

    private static String source(String className) throws IOException {
        return Files.readString(SOURCES.resolve(className + ".java"));
    }

    /** Property name → Java type, from the class's constructor and setters (and the base class's setters). */
    private static Map<String, String> properties(String className) throws IOException {
        Map<String, String> props = new LinkedHashMap<>();
        String src = source(className);
        Matcher c = CONSTRUCTOR.matcher(src);
        assertTrue(c.find(), className + " has no public @DataBoundConstructor");
        assertEquals(className, c.group(1));
        for (String arg : splitArguments(c.group(2))) {
            int space = arg.lastIndexOf(' ');
            props.put(arg.substring(space + 1), arg.substring(0, space).trim());
        }
        List<String> sources = new ArrayList<>(List.of(src));
        if (src.contains("extends " + BASE)) {
            sources.add(source(BASE));
        }
        for (String s : sources) {
            Matcher m = SETTER.matcher(s);
            while (m.find()) {
                String name = Character.toLowerCase(m.group(1).charAt(0)) + m.group(1).substring(1);
                assertEquals(name, m.group(3), "setter set" + m.group(1) + " should take a parameter named " + name);
                String previous = props.put(name, m.group(2).trim());
                assertEquals(null, previous, className + " declares " + name + " twice");
            }
        }
        return props;
    }

    /** Splits "String a, List<String> b" at top-level commas. */
    private static List<String> splitArguments(String args) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        StringBuilder cur = new StringBuilder();
        for (char ch : args.toCharArray()) {
            if (ch == '<') {
                depth++;
            } else if (ch == '>') {
                depth--;
            }
            if (ch == ',' && depth == 0) {
                out.add(cur.toString().trim());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        if (!cur.toString().isBlank()) {
            out.add(cur.toString().trim());
        }
        return out;
    }

    private static Set<String> all(Pattern p, String text) {
        Set<String> found = new LinkedHashSet<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    private static String javaType(Param.Kind kind) {
        return switch (kind) {
            case STRING, DURATION -> "String";
            case INT -> "Integer";
            case NUMBER -> "Double";
            case BOOL -> "Boolean";
            case LIST -> "List<String>";
        };
    }

    /** What the plugin Step of {@code step} must offer: engine params + common + credentialsId (+ action). */
    private static Map<String, String> expected(String step, Map<String, Param.Kind> params) {
        Map<String, String> want = new LinkedHashMap<>();
        if (hasActions(step)) {
            want.put("action", "String");
        }
        params.forEach((name, kind) -> want.put(name, javaType(kind)));
        for (Param c : Param.COMMON) {
            String t = javaType(c.kind());
            String before = want.putIfAbsent(c.name(), t);
            assertTrue(before == null || before.equals(t), step + ": " + c.name() + " is both " + before + " and " + t);
        }
        want.put(Param.CREDENTIALS_ID.name(), "String");
        return want;
    }

    @Test
    void everyEngineStepHasAPluginStepWithExactlyItsParameterNamesAndTypes() throws IOException {
        Map<String, Map<String, Param.Kind>> engine = engineSteps();
        assertTrue(engine.containsKey("cloudWatchAlarm"), "the engine should define cloudWatchAlarm: " + engine.keySet());
        for (Map.Entry<String, Map<String, Param.Kind>> e : engine.entrySet()) {
            String step = e.getKey();
            String cls = className(step);
            assertTrue(Files.exists(SOURCES.resolve(cls + ".java")),
                    "the engine defines " + step + " but the plugin has no " + cls + ".java in " + SOURCES);
            Map<String, String> want = expected(step, e.getValue());
            Map<String, String> have = properties(cls);
            assertEquals(new TreeSet<>(want.keySet()), new TreeSet<>(have.keySet()),
                    cls + ": the properties must be the engine's parameter names (+ common, credentialsId"
                            + (hasActions(step) ? ", action" : "") + ")");
            for (Map.Entry<String, String> w : want.entrySet()) {
                assertEquals(w.getValue(), have.get(w.getKey()), cls + "." + w.getKey() + " has the wrong Java type");
            }
        }
    }

    @Test
    void everyPropertyReachesTheEngineUnderItsOwnName() throws IOException {
        Map<String, Map<String, Param.Kind>> engine = engineSteps();
        Set<String> commonPuts = all(PUT, source(BASE));
        for (Param c : Param.COMMON) {
            assertTrue(commonPuts.contains(c.name()), BASE + " does not pass " + c.name() + " to the engine");
        }
        assertFalse(commonPuts.contains("credentialsId"), "credentialsId is resolved by the plugin, never passed on");
        for (Map.Entry<String, Map<String, Param.Kind>> e : engine.entrySet()) {
            String cls = className(e.getKey());
            Set<String> puts = all(PUT, source(cls));
            assertEquals(new TreeSet<>(e.getValue().keySet()), new TreeSet<>(puts),
                    cls + ".collect must put exactly the step's own parameters");
        }
    }

    @Test
    void everyPluginStepIsNamedLikeItsEngineStepAndHasHelpAndAForm() throws IOException {
        Map<String, Map<String, Param.Kind>> engine = engineSteps();
        List<String> pluginSteps;
        try (Stream<Path> files = Files.list(SOURCES)) {
            pluginSteps = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith("Step.java") && !n.equals(BASE + ".java"))
                    .map(n -> n.substring(0, n.length() - ".java".length())).sorted().collect(Collectors.toList());
        }
        assertEquals(List.of("CloudWatchAlarmStep", "CodeDeployRollingStep", "EcrPushStep", "EcsBlueGreenStep"),
                pluginSteps);
        for (String cls : pluginSteps) {
            String src = source(cls);
            String step = Character.toLowerCase(cls.charAt(0)) + cls.substring(1, cls.length() - "Step".length());
            assertEquals(Set.of(step), all(SYMBOL, src), cls + " @Symbol");
            assertEquals(Set.of(step), all(FUNCTION_NAME, src), cls + " getFunctionName()");
            assertEquals(Set.of(step), all(STEP_NAME, src), cls + " stepName()");

            Map<String, String> props = properties(cls);
            Path dir = RESOURCES.resolve(cls);
            assertTrue(Files.exists(dir.resolve("help.html")), cls + ": help.html is missing");
            for (String p : props.keySet()) {
                Path help = dir.resolve("help-" + p + ".html");
                assertTrue(Files.exists(help), cls + ": help-" + p + ".html is missing");
                String text = Files.readString(help).trim();
                assertTrue(text.startsWith("<div>") && text.endsWith("</div>") && text.length() > 30,
                        cls + ": help-" + p + ".html should be a <div> saying what " + p + " is");
            }
            Path jelly = dir.resolve("config.jelly");
            assertTrue(Files.exists(jelly), cls + ": config.jelly is missing");
            String form = Files.readString(jelly);
            assertTrue(form.contains("escape-by-default='true'"), cls + ": config.jelly must escape by default");
            assertEquals(new TreeSet<>(props.keySet()), new TreeSet<>(all(FIELD, form)),
                    cls + ": config.jelly must have a field for every property and no other");

            Matcher files = WORKSPACE_FILES.matcher(src);
            if (files.find()) {
                for (String f : all(Pattern.compile("\"(\\w+)\""), files.group(1))) {
                    assertTrue(props.containsKey(f), cls + ": workspace file " + f + " is not a property");
                }
            }
            if (!engine.containsKey(step)) {
                // Written from the step's issue before its engine definition landed; checked once it does.
                System.out.println("PluginStepsMatchEngineTest: " + step + " is not in the engine yet; " + cls
                        + " is checked against it once it is");
            }
        }
    }
}
