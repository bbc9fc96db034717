package dev.awsdeploy.library

import static org.junit.Assert.assertEquals
import static org.junit.Assert.assertTrue

import dev.awsdeploy.ecs.BlueGreenWorld
import dev.awsdeploy.ecs.TrafficRoute
import dev.awsdeploy.testing.EcsRolloutFront
import dev.awsdeploy.testing.MotoServer
import groovy.json.JsonSlurperClassic
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit
import org.junit.After
import org.junit.AfterClass
import org.junit.Before
import org.junit.Test

/**
 * The real bin/aws-deploy ecs-blue-green as a process: SIGTERM mid-canary puts all traffic back on blue; a
 * process killed with -9 mid-canary resumes from its state file without registering or updating twice.
 */
class EcsBlueGreenProcessTest {
    static MotoServer moto = MotoServer.with(['MOTO_ECS_SERVICE_RUNNING': '2'])
    static EcsRolloutFront rollouts = EcsRolloutFront.start(moto.url())
    BlueGreenWorld world
    CliProcesses processes
    Path dir

    @AfterClass
    static void stopRollouts() {
        rollouts.close()
    }

    @Before
    void setUp() {
        moto.reset()
        rollouts.reset()
        rollouts.looksToComplete(1)
        world = BlueGreenWorld.standard(moto.url())
        processes = new CliProcesses([AWS_ENDPOINT_URL: rollouts.url(), AWS_REGION: BlueGreenWorld.REGION,
                AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing'])
        dir = processes.dir
        moto.startCounting()
    }

    private List<String> canary(String... extra) {
        return ['ecs-blue-green', '--cluster', 'prod', '--service', 'myapp', '--listener-rule-arn', world.rule,
                '--image', BlueGreenWorld.V2, '--traffic-shift', 'Canary10Percent5Minutes', '--output', 'json'] +
                (extra as List)
    }

    @After
    void tearDown() {
        processes.close()
    }

    private Process run(List<String> args) {
        return processes.run(args)
    }

    private Process started(List<String> args, String waitFor) {
        return processes.started(args, waitFor)
    }

    private String latest(String kind) {
        return processes.latest(kind)
    }

    @Test
    void sigtermMidCanaryPutsAllTrafficBackOnBlueAndExitsThree() {
        Process p = started(canary(), 'Holding 10 %')
        assertEquals(new TrafficRoute.Weights(90, 10), world.weights())

        p.destroy()   // SIGTERM

        assertTrue(p.waitFor(30, TimeUnit.SECONDS))
        assertEquals(latest('err'), 3, p.exitValue())
        Map result = new JsonSlurperClassic().parseText(latest('out')) as Map
        assertEquals(true, result.rolledBack)
        assertTrue(result.reason as String, (result.reason as String).contains('aborted by SIGTERM'))
        assertEquals(new TrafficRoute.Weights(100, 0), world.weights())
        assertTrue(latest('err'), latest('err').contains('Rolled back: blue 100 % (read back)'))
    }

    @Test
    void aDeployKilledWithSigkillMidCanaryResumesWithoutRegisteringOrUpdatingTwice() {
        String state = dir.resolve('ecs.state').toString()
        Process first = started(canary('--state-file', state, '--bake-time', '0s'), 'Holding 10 %')
        first.destroyForcibly()   // SIGKILL: no clean-up at all
        first.waitFor()
        assertTrue('the state file survives', Files.exists(Path.of(state)))
        assertEquals(new TrafficRoute.Weights(90, 10), world.weights())

        // The resumed run keeps the original hold deadline; shorten nothing, just wait for it (5 min is too long
        // for a test, so the state's deadline is moved to now, as if the time had passed).
        Map saved = new JsonSlurperClassic().parseText(new File(state).text) as Map
        saved.state.deadline = java.time.Instant.now().toString()
        new File(state).text = groovy.json.JsonOutput.toJson(saved)
        Process second = run(canary('--state-file', state, '--bake-time', '0s'))
        assertTrue(second.waitFor(60, TimeUnit.SECONDS))

        assertEquals(latest('err'), 0, second.exitValue())
        assertTrue(latest('err'), latest('err').contains('Resuming the deploy'))
        assertEquals(new TrafficRoute.Weights(0, 100), world.weights())
        assertEquals(1L, moto.count('RegisterTaskDefinition'))
        assertEquals(1L, moto.count('UpdateService'))
        assertTrue(Files.notExists(Path.of(state)))
    }
}
