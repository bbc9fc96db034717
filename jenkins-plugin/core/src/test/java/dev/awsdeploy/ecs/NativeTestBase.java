package dev.awsdeploy.ecs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.EcsServiceDeploymentFront;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.MotoServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The chain every ECS-native test talks through: the CLI (production SDK clients) → the ECS service deployment
 * simulator (service deployments walking ECS's stages on the test's clock, weights written in moto) → moto (the
 * real state a test asserts on). The simulator journals what the step sent, so tests count the step's own
 * mutating calls there (the simulator's own ModifyRule calls go straight to moto).
 */
abstract class NativeTestBase {
    @RegisterExtension
    static MotoServer moto = MotoServer.with(Map.of("MOTO_ECS_SERVICE_RUNNING", "2"));

    static final AtomicReference<FakeClock> CLOCK = new AtomicReference<>(new FakeClock());
    static EcsServiceDeploymentFront ecsFront;
    NativeWorld world;
    FakeClock clock;
    Cli cli;

    @BeforeAll
    static void startFront() {
        ecsFront = EcsServiceDeploymentFront.start(moto.url(), () -> CLOCK.get().now());
    }

    @AfterAll
    static void stopFront() {
        ecsFront.close();
    }

    @BeforeEach
    void given() {
        clock = new FakeClock();
        CLOCK.set(clock);
        ecsFront.reset();
        world = NativeWorld.standard(moto.url(), ecsFront.url());
        moto.startCounting();
        ecsFront.startCounting();
        cli = new Cli(ecsFront.url()).env("AWS_REGION", BlueGreenWorld.REGION).clock(clock);
    }

    @AfterEach
    void stop() {
        world.close();
    }

    /** Runs {@code aws-deploy ecs-blue-green --deployment ecs} for cluster prod, service myapp, plus {@code extra}. */
    Cli.Run deploy(String... extra) {
        List<String> args = new ArrayList<>(List.of("ecs-blue-green", "--deployment", "ecs", "--cluster", "prod",
                "--service", "myapp", "--output", "json"));
        args.addAll(List.of(extra));
        return cli.run(args);
    }

    static JsonNode json(Cli.Run r) {
        return BlueGreenTestBase.json(r);
    }

    /** What the step changed: its mutating calls, as the simulator in front of moto received them. */
    List<String> mutating() {
        return ecsFront.mutating();
    }
}
