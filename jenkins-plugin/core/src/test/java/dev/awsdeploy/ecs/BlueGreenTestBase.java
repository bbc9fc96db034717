package dev.awsdeploy.ecs;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.AnswerRewrites;
import dev.awsdeploy.testing.AwsFront;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.EcsRolloutFront;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.MotoServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The chain every blue/green test talks through: the CLI (production SDK clients) → WireMock (faults: throttling,
 * 5xx, resets, a ModifyRule that does not take) → the ECS rollout simulator (rollouts and target health as ECS
 * shows them) → moto (everything else, the real state a test asserts on).
 */
abstract class BlueGreenTestBase {
    @RegisterExtension
    static MotoServer moto = MotoServer.with(Map.of("MOTO_ECS_SERVICE_RUNNING", "2"));

    static EcsRolloutFront rollouts;
    WireMockServer faults;
    BlueGreenWorld world;
    FakeClock clock = new FakeClock();
    Cli cli;

    @BeforeAll
    static void startRollouts() {
        rollouts = EcsRolloutFront.start(moto.url());
    }

    @AfterAll
    static void stopRollouts() {
        rollouts.close();
    }

    @BeforeEach
    void given() {
        rollouts.reset();
        faults = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().containerThreads(20)
                .extensions(new AnswerRewrites.LostAnswer()));
        faults.start();
        faults.stubFor(any(anyUrl()).atPriority(100).willReturn(aResponse().proxiedFrom(rollouts.url())));
        world = BlueGreenWorld.standard(moto.url());
        moto.startCounting();
        cli = new Cli("http://127.0.0.1:" + faults.port()).env("AWS_REGION", BlueGreenWorld.REGION).clock(clock);
    }

    @AfterEach
    void stop() {
        faults.stop();
        world.close();
    }

    /** Runs {@code aws-deploy ecs-blue-green} for cluster prod, services myapp-*, the rule, plus {@code extra}. */
    Cli.Run deploy(String... extra) {
        List<String> args = new ArrayList<>(List.of("ecs-blue-green", "--cluster", "prod", "--service", "myapp",
                "--listener-rule-arn", world.rule, "--output", "json"));
        args.addAll(List.of(extra));
        return cli.run(args);
    }

    static JsonNode json(Cli.Run r) {
        try {
            return Json.MAPPER.readTree(r.out());
        } catch (Exception e) {
            throw new AssertionError("stdout is not JSON: " + r, e);
        }
    }

    /** The {@code occurrence}th HTTP attempt of {@code op} is applied by AWS, and then its answer is lost. */
    void loseAnswer(String op, int occurrence, AwsFront.Loss loss) {
        AwsFront.loseAnswer(faults, rollouts.url(), op, occurrence, loss);
    }

    /** The changes to services, task definitions and traffic (lease and record tags are asserted separately). */
    List<String> mutating() {
        // SetAlarmState is the test playing CloudWatch, not the step.
        return moto.mutatingRequests().stream().map(MotoServer.Request::operation)
                .filter(op -> !op.equals("SetAlarmState") && !MotoServer.TAG_WRITES.contains(op)).toList();
    }

    /** Every change the step made, tags included. */
    List<String> allMutating() {
        return moto.mutatingRequests().stream().map(MotoServer.Request::operation)
                .filter(op -> !op.equals("SetAlarmState")).toList();
    }
}
