package dev.awsdeploy.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Given the standard world, when the input is wrong, then the step exits 2 naming the parameter, the value and
 * the fix — and AWS saw no mutating call.
 */
class BlueGreenBadInputTest extends BlueGreenTestBase {

    /** A case: its name, the expected parameter, a fragment of the message, and the arguments (given the world). */
    record Case(String name, String param, String says, Function<BlueGreenWorld, List<String>> args) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<String> base(BlueGreenWorld w, String... replace) {
        List<String> a = new ArrayList<>(List.of("--cluster", "prod", "--service", "myapp", "--listener-rule-arn",
                w.rule, "--image", BlueGreenWorld.V2));
        for (int i = 0; i < replace.length; i += 2) {
            int at = a.indexOf(replace[i]);
            if (at >= 0) {
                if (replace[i + 1] == null) {
                    a.remove(at);
                    a.remove(at);
                } else {
                    a.set(at + 1, replace[i + 1]);
                }
            } else {
                a.add(replace[i]);
                if (replace[i + 1] != null && !replace[i + 1].isEmpty()) {
                    a.add(replace[i + 1]);
                }
            }
        }
        return a;
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case("missing cluster", "cluster", "is required", w -> base(w, "--cluster", null)),
                new Case("unknown cluster", "cluster", "no such ECS cluster", w -> base(w, "--cluster", "staging")),
                new Case("cluster name with spaces", "cluster", "is not an ECS cluster name",
                        w -> base(w, "--cluster", "my cluster")),
                new Case("unknown service", "service", "no such active service",
                        w -> base(w, "--service", "billing")),
                new Case("no service at all", "service", "is required", w -> base(w, "--service", null)),
                new Case("service and blueService", "blueService", "cannot be combined",
                        w -> base(w, "--blue-service", "myapp-blue")),
                new Case("blueService without greenService", "greenService", "is required",
                        w -> base(w, "--service", null, "--blue-service", "myapp-blue")),
                new Case("same service twice", "greenService", "is the same service",
                        w -> base(w, "--service", null, "--blue-service", "myapp-blue", "--green-service",
                                "myapp-blue")),
                new Case("no rule nor listener", "listenerRuleArn", "is required",
                        w -> base(w, "--listener-rule-arn", null)),
                new Case("rule and listener", "listenerArn", "cannot be combined",
                        w -> base(w, "--listener-arn", w.listener)),
                new Case("listener ARN given as rule", "listenerRuleArn", "pass it as listenerArn",
                        w -> base(w, "--listener-rule-arn", w.listener)),
                new Case("rule ARN not in this account", "listenerRuleArn", "no such listener rule",
                        w -> base(w, "--listener-rule-arn", w.rule.substring(0, w.rule.length() - 4) + "abcd")),
                new Case("rule forwarding to neither target group", "listenerRuleArn",
                        "which is not the target group of either service", w -> {
                            String other = w.elb.createRule(b -> b.listenerArn(w.listener).priority(20)
                                    .conditions(c -> c.field("path-pattern").values("/legacy/*"))
                                    .actions(a -> a.type("forward").targetGroupArn(w.otherTg))).rules().get(0)
                                    .ruleArn();
                            return base(w, "--listener-rule-arn", other);
                        }),
                new Case("both services in one target group", "greenService", "same target group", w -> {
                    w.service("solo-blue", w.blueTg, w.td1, 1);
                    w.service("solo-green", w.blueTg, w.td1, 1);
                    return base(w, "--service", "solo");
                }),
                new Case("no image nor taskDefinition", "image", "is required", w -> base(w, "--image", null)),
                new Case("image and taskDefinition", "taskDefinition", "cannot be combined",
                        w -> base(w, "--task-definition", "myapp:1")),
                new Case("image with spaces", "image", "is not an image reference",
                        w -> base(w, "--image", "myapp: latest")),
                new Case("unknown container", "container", "is not a container of the live task definition",
                        w -> base(w, "--container", "myap")),
                new Case("container with a taskDefinition", "container", "only applies with image",
                        w -> base(w, "--image", null, "--task-definition", "myapp:1", "--container", "myapp")),
                new Case("unknown task definition revision", "taskDefinition", "no such task definition",
                        w -> base(w, "--image", null, "--task-definition", "myapp:99")),
                new Case("task definition file that does not exist", "taskDefinition", "is neither a file",
                        w -> base(w, "--image", null, "--task-definition", "taskdefs/nope.json")),
                new Case("Canary110Percent5Minutes", "trafficShift", "not between 1 and 99",
                        w -> base(w, "--traffic-shift", "Canary110Percent5Minutes")),
                new Case("unknown traffic shift", "trafficShift", "is not a traffic shift name",
                        w -> base(w, "--traffic-shift", "BlueGreen")),
                new Case("Linear0PercentEvery1Minute", "trafficShift", "not between 1 and 99",
                        w -> base(w, "--traffic-shift", "Linear0PercentEvery1Minute")),
                new Case("bake '5 min'", "bakeTime", "is not a duration", w -> base(w, "--bake-time", "5 min")),
                new Case("health URL not http", "healthCheckUrl", "is not an http(s) URL",
                        w -> base(w, "--health-check-url", "ftp://myapp/health")),
                new Case("health URL naming one colour", "healthCheckUrl", "names only one colour",
                        w -> base(w, "--health-check-url", "blue=http://127.0.0.1:1/health")),
                new Case("zero health retries", "healthCheckRetries", "must be between 1",
                        w -> base(w, "--health-check-retries", "0")),
                new Case("poll interval too short", "pollInterval", "must be between 1s and 5m",
                        w -> base(w, "--poll-interval", "100ms")),
                new Case("desired count zero", "desiredCount", "must be between 1",
                        w -> base(w, "--desired-count", "0")),
                new Case("stable timeout of 1s", "stableTimeout", "must be between 10s and 6h",
                        w -> base(w, "--stable-timeout", "1s")),
                new Case("unknown alarm", "alarms", "no such alarm", w -> base(w, "--alarms", "HighErorRate")),
                new Case("force that is not a boolean", "force", "is not true or false",
                        w -> base(w, "--force", "maybe")),
                // issue 12: promotion and the lease
                new Case("awaitPromotion with AllAtOnce", "awaitPromotion", "needs a trafficShift with a first "
                        + "increment to hold at", w -> base(w, "--await-promotion", "")),
                new Case("an unknown action", "action", "is not one of deploy, promote, abort",
                        w -> base(w, "--action", "promte")),
                new Case("awaitPromotion with promote", "awaitPromotion", "only applies to action 'deploy'",
                        w -> base(w, "--image", null, "--action", "promote", "--await-promotion", "")),
                new Case("trafficShift with abort", "trafficShift", "does not apply to action 'abort'",
                        w -> base(w, "--image", null, "--action", "abort", "--traffic-shift",
                                "Canary10Percent5Minutes")),
                new Case("lockTimeout of a day", "lockTimeout", "is longer than 6h",
                        w -> base(w, "--lock-timeout", "24h"))).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInputExitsTwoNamingTheParameterBeforeAnyChange(Case c) {
        List<String> args = new ArrayList<>(List.of("ecs-blue-green"));
        args.addAll(c.args().apply(world));
        moto.startCounting();

        Cli.Run r = cli.run(args);

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains(c.param()), c.name() + ": parameter not named\n" + r.err());
        assertTrue(r.err().contains(c.says()), c.name() + ": expected '" + c.says() + "'\n" + r.err());
        assertEquals(List.of(), mutating(), c.name());
    }

    @Test
    void anInvalidTaskDefinitionFileNamesTheFieldWithASuggestion(@TempDir Path dir) throws Exception {
        String text = Files.readString(Path.of(Repo.path("resources/taskdefs/myapp-fargate.json")))
                .replace("\"memory\": \"1024\"", "\"memmory\": \"1024\"");
        Path file = dir.resolve("td.json");
        Files.writeString(file, text);
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"family\": \"myapp\",\n  \"containerDefinitions\": [\n}");
        moto.startCounting();

        Cli.Run typo = cli.run(withFile(file));
        Cli.Run malformed = cli.run(withFile(broken));

        assertEquals(2, typo.exit(), typo.toString());
        assertTrue(typo.err().contains("unknown field 'memmory'"), typo.err());
        assertTrue(typo.err().contains("did you mean 'memory'"), typo.err());
        assertEquals(2, malformed.exit(), malformed.toString());
        assertTrue(malformed.err().contains("line 3"), malformed.err());
        assertEquals(List.of(), mutating());
    }

    private List<String> withFile(Path file) {
        List<String> a = new ArrayList<>(List.of("ecs-blue-green"));
        a.addAll(base(world, "--image", null, "--task-definition", file.toString()));
        return a;
    }
}
