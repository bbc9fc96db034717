package dev.awsdeploy.library

import static dev.awsdeploy.codedeploy.CodeDeployFake.look
import static org.junit.Assert.assertEquals
import static org.junit.Assert.assertTrue

import dev.awsdeploy.codedeploy.CodeDeployFake
import dev.awsdeploy.testing.AwsFront
import dev.awsdeploy.testing.MotoServer
import java.util.concurrent.TimeUnit
import org.junit.After
import org.junit.Before
import org.junit.Test

/**
 * The real bin/aws-deploy as a process: SIGTERM during a CodeDeploy wait stops the deployment with rollback, and
 * the process ends once the rollback that started has ended.
 */
class CodeDeployProcessTest {
    static MotoServer moto = MotoServer.shared()
    AwsFront front = new AwsFront(moto)
    CodeDeployFake fake
    CliProcesses processes

    @Before
    void setUp() {
        moto.reset()
        front.beforeEach(null)
        fake = new CodeDeployFake(front)
        fake.givenApplication(moto, 'Server')
        processes = new CliProcesses([AWS_ENDPOINT_URL: front.url(), AWS_REGION: 'eu-west-1',
                AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing'])
    }

    @After
    void tearDown() {
        processes.close()
        front.afterEach(null)
    }

    @Test
    void sigtermDuringTheWaitStopsTheDeploymentWithRollbackFollowsTheRollbackAndExitsThree() {
        fake.lifecycle(look('InProgress').counts(2, 1, 0, 0, 0))
        fake.stopLeadsTo(look('Stopped').counts(0, 0, 1, 0, 2).error('DEPLOYMENT_STOPPED', 'The deployment was stopped')
                .rollback('d-ROLLBACK03', 'Rollback in progress'))
        fake.lifecycleOf('d-ROLLBACK03', look('InProgress').id('d-ROLLBACK03').counts(1, 1, 0, 0, 0),
                look('Succeeded').id('d-ROLLBACK03').counts(0, 0, 2, 0, 0))
        fake.noTargets()
        Process p = processes.started(['code-deploy-rolling', '--application', 'myapp', '--deployment-group',
                'prod', '--s3-bucket', 'releases', '--s3-key', 'app.zip'], 'Instances: 2 pending')

        p.destroy()   // SIGTERM, as Jenkins sends when a build is aborted

        assertTrue(p.waitFor(30, TimeUnit.SECONDS))
        String err = processes.latest('err')
        assertEquals(err, 3, p.exitValue())
        assertTrue(err, err.contains('Aborted by SIGTERM: stopping deployment '))
        assertEquals(1, fake.count('StopDeployment'))
        assertTrue(fake.requests('StopDeployment')[0].path('autoRollbackEnabled').asBoolean())
        assertTrue(err, err.contains('Rollback d-ROLLBACK03: Succeeded'))
        assertTrue(err, err.contains('rolled back by d-ROLLBACK03'))
    }
}
