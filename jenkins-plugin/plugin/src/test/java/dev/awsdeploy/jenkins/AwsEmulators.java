package dev.awsdeploy.jenkins;

import dev.awsdeploy.testing.EcsRolloutFront;
import dev.awsdeploy.testing.MotoServer;
import java.util.Map;
import org.junit.rules.ExternalResource;

/**
 * For a test class ({@code @ClassRule}): moto with running ECS services and, in front of it, core's ECS rollout
 * simulator (rollouts and target health as ECS shows them); the simulator is stopped after the class.
 */
final class AwsEmulators extends ExternalResource {
    private MotoServer moto;
    private EcsRolloutFront rollouts;

    @Override
    protected void before() {
        moto = MotoServer.with(Map.of("MOTO_ECS_SERVICE_RUNNING", "2"));
        rollouts = EcsRolloutFront.start(moto.url());
    }

    @Override
    protected void after() {
        rollouts.close();
    }

    /** Empties moto and the simulator: each test starts from nothing. */
    void reset() {
        moto.reset();
        rollouts.reset();
    }

    MotoServer moto() {
        return moto;
    }

    /** Where the steps send their calls (the simulator, which passes everything else on to moto). */
    String endpoint() {
        return rollouts.url();
    }
}
