package dev.awsdeploy.library

import static org.junit.Assert.assertEquals
import static org.junit.Assert.assertFalse
import static org.junit.Assert.assertTrue
import static org.junit.Assert.fail

import dev.awsdeploy.ecs.BlueGreenRequest
import dev.awsdeploy.ecs.BlueGreenWorld
import dev.awsdeploy.ecs.TrafficRoute
import dev.awsdeploy.testing.EcsRolloutFront
import dev.awsdeploy.testing.MotoServer
import dev.awsdeploy.testing.Repo
import org.junit.AfterClass
import org.junit.Before
import org.junit.Test

/**
 * The ecsBlueGreen var under the CPS interpreter, running the real CLI against moto behind the ECS rollout
 * simulator (which shows rollouts progressing as ECS does; moto keeps the real state asserted here).
 */
class EcsBlueGreenVarTest extends LibraryPipelineTest {
    static MotoServer moto = MotoServer.with(['MOTO_ECS_SERVICE_RUNNING': '2'])
    static EcsRolloutFront rollouts = EcsRolloutFront.start(moto.url())
    BlueGreenWorld world

    @AfterClass
    static void stopRollouts() {
        rollouts.close()
    }

    @Before
    void setUp() {
        setUpLibrary()
        moto.reset()
        rollouts.reset()
        rollouts.looksToComplete(1)
        world = BlueGreenWorld.standard(moto.url())
        env.AWS_ENDPOINT_URL = rollouts.url()
        env.AWS_REGION = BlueGreenWorld.REGION
        env.AWS_DEPLOY_CREDENTIALS_ID = 'aws-prod'
        binding.setVariable('RULE', world.rule)
        binding.setVariable('IMAGE_V1', BlueGreenWorld.V1)
        binding.setVariable('IMAGE_V2', BlueGreenWorld.V2)
        moto.startCounting()
    }

    private List<String> mutating() {
        // The lease's and the promotion record's tag writes are not changes to services or traffic.
        return moto.mutatingRequests()*.operation().findAll { it != 'SetAlarmState' && !(it in MotoServer.TAG_WRITES) }
    }

    @Test
    void deployThenRollBackByReplayingThePreviousBuild() {
        Map results = [:]
        binding.setVariable('results', results)

        runScript('ecs-deploy.jenkins')

        assertEquals('deployed', results.deploy.status)
        assertEquals('green', results.deploy.liveColor)
        assertEquals('switched', results.rollback.status)
        assertEquals('blue', results.rollback.liveColor)
        assertEquals('unchanged', results.again.status)
        assertEquals(new TrafficRoute.Weights(100, 0), world.weights())
        assertEquals(BlueGreenWorld.V2, world.image('myapp-green'))
        assertEquals(['RegisterTaskDefinition', 'UpdateService', 'ModifyRule', 'ModifyRule'], mutating())
        assertEquals(['aws-prod'] * 3, credentialsUsed)
        assertTrue(commands[0].contains("ecs-blue-green --cluster 'prod'"))
        assertTrue(log.toString(), log.contains('Traffic: green 100 %, blue 0 % (read back)'))
        assertTrue(log.toString(), log.contains('Standby blue already runs'))
        assertFalse(log.contains(ACCESS_KEY))
        assertFalse(log.contains(SECRET_KEY))
    }

    @Test
    void aFiringAlarmFailsTheBuildBeforeAnythingChanges() {
        moto.setAlarmState(BlueGreenWorld.REGION, 'HighErrorRate', 'ALARM')
        try {
            runScript('ecs-alarm-firing.jenkins')
            fail('the build should fail')
        } catch (LibraryPipelineTest.PipelineError e) {
            assertTrue(e.message, e.message.startsWith('ecsBlueGreen: failed'))
            assertTrue(e.message, e.message.contains('refused to start: HighErrorRate is ALARM'))
        }
        assertEquals([], mutating())
        assertEquals(new TrafficRoute.Weights(100, 0), world.weights())
    }

    @Test
    void anUnknownKeyFailsInTheVarWithTheCloseSpelling() {
        try {
            runScript('ecs-typo.jenkins')
            fail('expected an error')
        } catch (LibraryPipelineTest.PipelineError e) {
            assertEquals("ecsBlueGreen: unknown parameter 'servce': did you mean 'service'?", e.message)
        }
        assertEquals([], commands)
    }

    @Test
    void badValuesFailWithTheEnginesMessagesAndChangeNothing() {
        try {
            runScript('ecs-bad-shift.jenkins')
            fail('expected an error')
        } catch (LibraryPipelineTest.PipelineError e) {
            assertTrue(e.message, e.message.startsWith('ecsBlueGreen: bad input: '))
            assertTrue(e.message, e.message.contains("trafficShift 'Canary110Percent5Minutes'"))
            assertTrue(e.message, e.message.contains("bakeTime '5 min': is not a duration"))
        }
        assertEquals([], mutating())
    }

    @Test
    void theVarsParametersAreExactlyTheEnginesParameters() {
        Script var = loadScript(Repo.path('vars/ecsBlueGreen.groovy'))
        assertEquals(BlueGreenRequest.PARAMS*.name(), var.PARAMETERS)
    }
}
