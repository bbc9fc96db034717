package dev.awsdeploy.library

import static dev.awsdeploy.codedeploy.CodeDeployFake.look
import static org.junit.Assert.assertEquals
import static org.junit.Assert.assertFalse
import static org.junit.Assert.assertTrue
import static org.junit.Assert.fail

import dev.awsdeploy.codedeploy.CodeDeployFake
import dev.awsdeploy.codedeploy.CodeDeployRolling
import dev.awsdeploy.testing.AwsClients
import dev.awsdeploy.testing.AwsFront
import dev.awsdeploy.testing.MotoServer
import dev.awsdeploy.testing.Repo
import java.nio.file.Files
import java.nio.file.Path
import org.junit.After
import org.junit.Before
import org.junit.Test
import software.amazon.awssdk.services.codedeploy.model.CreateDeploymentRequest
import software.amazon.awssdk.services.codedeploy.model.RevisionLocation
import software.amazon.awssdk.services.codedeploy.model.S3Location

/**
 * The codeDeployRolling var under the CPS interpreter, running the real CLI against moto with WireMock in front
 * for what moto's CodeDeploy lacks (deployment lifecycles, configs).
 */
class CodeDeployRollingVarTest extends LibraryPipelineTest {
    static MotoServer moto = MotoServer.shared()
    AwsFront front = new AwsFront(moto)
    CodeDeployFake fake

    @Before
    void setUp() {
        setUpLibrary()
        moto.reset()
        front.beforeEach(null)
        fake = new CodeDeployFake(front)
        env.AWS_ENDPOINT_URL = front.url()
        env.AWS_REGION = 'eu-west-1'
        env.AWS_DEPLOY_CREDENTIALS_ID = 'aws-prod'
        env.BUILD_URL = 'https://jenkins.example.com/job/myapp/42/'
        fake.givenApplication(moto, 'Server')
        Path bundle = Files.createDirectories(workspace.resolve('build/deploy'))
        Files.write(bundle.resolve('appspec.yml'), 'version: 0.0\nos: linux\n'.bytes)
        binding.setVariable('BUNDLE', 'build/deploy')
    }

    @After
    void tearDown() {
        front.afterEach(null)
    }

    @Test
    void aRollingDeploymentCreatesItsConfigUploadsTheBundleAndReturnsTheResult() {
        Map results = [:]
        binding.setVariable('results', results)
        fake.configCreatedOnDemand('aws-deploy-FLEET_PERCENT-75', '{"deploymentConfigName":"aws-deploy-FLEET_PERCENT-75",'
                + '"computePlatform":"Server","minimumHealthyHosts":{"type":"FLEET_PERCENT","value":75}}')
        fake.lifecycle(look('InProgress').counts(1, 1, 0, 0, 0), look('Succeeded').counts(0, 0, 2, 0, 0))

        runScript('codedeploy.jenkins')

        Map r = results.deploy
        assertEquals('Succeeded', r.status)
        assertEquals(false, r.rolledBack)
        assertEquals(2, r.instances.succeeded)
        assertEquals(1, fake.count('CreateDeploymentConfig'))
        def create = fake.requests('CreateDeployment')[0]
        assertEquals(1, moto.count('CreateDeployment'))
        assertEquals('aws-deploy-FLEET_PERCENT-75', create.path('deploymentConfigName').asText())
        assertTrue(create.path('revision').path('s3Location').path('key').asText()
                .matches('aws-deploy/deploy-[0-9a-f]{16}\\.zip'))
        assertEquals('https://jenkins.example.com/job/myapp/42/', create.path('description').asText())
        assertEquals(['aws-prod'], credentialsUsed)
        assertTrue(commands[0].contains("code-deploy-rolling --application 'myapp' --deployment-group 'prod'"))
        assertFalse(commands.any { it.contains('credentials-id') })
        assertTrue(log.toString(), log.contains('Created deployment config aws-deploy-FLEET_PERCENT-75'))
        assertTrue(log.toString(), log.contains('Instances: 0 pending, 0 in progress, 2 succeeded'))
        assertFalse(log.contains(SECRET_KEY))
    }

    @Test
    void aDeploymentCodeDeployRolledBackFailsTheBuildWithCodeDeploysError() {
        binding.setVariable('results', [:])
        fake.configExists('{"deploymentConfigName":"aws-deploy-FLEET_PERCENT-75","computePlatform":"Server",'
                + '"minimumHealthyHosts":{"type":"FLEET_PERCENT","value":75}}')
        fake.lifecycle(look('Stopped').counts(0, 0, 1, 0, 1).error('ALARM_ACTIVE', 'Activated alarms: <HighErrorRate>')
                .rollback('d-ROLLBACK01', 'Rollback in progress'))
        fake.lifecycleOf('d-ROLLBACK01', look('Succeeded').id('d-ROLLBACK01').counts(0, 0, 2, 0, 0))
        fake.wiremock().stubFor(AwsFront.operation('ListDeploymentTargets').atPriority(5)
                .willReturn(AwsFront.json('{"targetIds":[]}')))

        try {
            runScript('codedeploy.jenkins')
            fail('a rolled-back deployment must fail the build')
        } catch (LibraryPipelineTest.PipelineError e) {
            assertTrue(e.message, e.message.startsWith('codeDeployRolling: failed: deployment '))
            assertTrue(e.message, e.message.contains('Stopped: ALARM_ACTIVE: Activated alarms: <HighErrorRate>'))
            assertTrue(e.message, e.message.contains('rolled back by d-ROLLBACK01'))
        }
        assertEquals(0, fake.count('CreateDeploymentConfig'))
    }

    @Test
    void theSourceDocumentsCombinedConfigIsBadInputBeforeAnyChange() {
        moto.startCounting()
        try {
            runScript('codedeploy-combined.jenkins')
            fail('expected bad input')
        } catch (LibraryPipelineTest.PipelineError e) {
            assertTrue(e.message, e.message.startsWith('codeDeployRolling: bad input: minimumHealthyHosts'))
            assertTrue(e.message, e.message.contains('cannot be combined in one deployment config'))
            assertTrue(e.message, e.message.contains("trafficRouting: 'Canary10Percent5Minutes'"))
        }
        assertEquals([], moto.mutatingRequests())
        assertEquals(0, front.wiremock().allServeEvents.size())
    }

    @Test
    void anUnknownKeyFailsInTheVarWithTheCloseSpelling() {
        try {
            runScript('codedeploy-typo.jenkins')
            fail('expected an error')
        } catch (LibraryPipelineTest.PipelineError e) {
            assertEquals("codeDeployRolling: unknown parameter 'minimumHealthyHost': did you mean "
                    + "'minimumHealthyHosts'?", e.message)
        }
        assertEquals([], commands)
    }

    @Test
    void promoteFindsTheDeploymentWaitingAtReadyAndTakesNoDescription() {
        Map results = [:]
        binding.setVariable('results', results)
        def cd = AwsClients.codeDeploy(moto.url(), 'eu-west-1')
        String waiting
        try {
            waiting = cd.createDeployment(CreateDeploymentRequest.builder().applicationName('myapp')
                    .deploymentGroupName('prod').revision(RevisionLocation.builder().revisionType('S3')
                    .s3Location(S3Location.builder().bucket('releases').key('app.zip').bundleType('zip').build())
                    .build()).build()).deploymentId()
        } finally {
            cd.close()
        }
        fake.batchGet(look('Ready').id(waiting))
        fake.continueAnswers()
        fake.lifecycle(look('InProgress').counts(0, 1, 1, 0, 0), look('Succeeded').counts(0, 0, 2, 0, 0))

        runScript('codedeploy-promote.jenkins')

        assertEquals('Succeeded', results.promote.status)
        assertEquals(waiting, results.promote.deploymentId)
        assertEquals(waiting, fake.requests('ContinueDeployment')[0].path('deploymentId').asText())
        assertEquals(0, fake.count('CreateDeployment'))
        assertTrue(commands[0], commands[0].contains("--action 'promote'"))
        assertFalse(commands[0], commands[0].contains('--description'))
    }

    @Test
    void theVarsParametersAreExactlyTheEnginesParameters() {
        Script var = loadScript(Repo.path('vars/codeDeployRolling.groovy'))
        assertEquals(CodeDeployRolling.DEFINITION.params()*.name(), var.PARAMETERS)
        assertEquals(CodeDeployRolling.DEFINITION.cliPath(), var.CLI)
    }
}
