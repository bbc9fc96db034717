package dev.awsdeploy.library

import static org.junit.Assert.assertEquals
import static org.junit.Assert.assertFalse
import static org.junit.Assert.assertTrue
import static org.junit.Assert.fail

import com.sun.net.httpserver.HttpServer
import dev.awsdeploy.codedeploy.CodeDeployFake
import dev.awsdeploy.ecs.BlueGreenWorld
import dev.awsdeploy.ecs.TrafficRoute
import dev.awsdeploy.testing.AwsClients
import dev.awsdeploy.testing.AwsFront
import dev.awsdeploy.testing.EcsRolloutFront
import dev.awsdeploy.testing.Images
import dev.awsdeploy.testing.MotoServer
import dev.awsdeploy.testing.RegistryServer
import dev.awsdeploy.testing.Repo
import java.nio.file.Files
import java.nio.file.Path
import java.util.zip.ZipFile
import org.junit.After
import org.junit.AfterClass
import org.junit.Before
import org.junit.Test
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient

/**
 * Jenkinsfile.example, run as written under the CPS interpreter: its stages call the real CLI against moto (ECR,
 * CloudWatch, ECS, ELB behind the ECS rollout simulator), a real registry, a health endpoint and a Slack webhook
 * on loopback. Then the rollback story: "Restart from Stage" on Deploy of an earlier build.
 */
class JenkinsfileExampleTest extends LibraryPipelineTest {
    static MotoServer moto = MotoServer.with(['MOTO_ECS_SERVICE_RUNNING': '2'])
    static EcsRolloutFront rollouts = EcsRolloutFront.start(moto.url())
    static RegistryServer registry = RegistryServer.shared()

    BlueGreenWorld world
    Declarative declarative
    Map params = [:]
    HttpServer web
    final List<String> slack = Collections.synchronizedList([])
    final List<String> healthChecks = Collections.synchronizedList([])
    /** Stands for a bad release: the error-rate alarm goes off once the new colour is being checked. */
    volatile boolean alarmOnFirstHealthCheck

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
        web = HttpServer.create(new InetSocketAddress(InetAddress.loopbackAddress, 0), 0)
        web.createContext('/slack') { ex ->
            slack << ex.requestBody.getText('UTF-8')
            ex.sendResponseHeaders(200, 2)
            ex.responseBody.withStream { it << 'ok' }
        }
        web.createContext('/') { ex ->
            healthChecks << ex.requestURI.path
            if (alarmOnFirstHealthCheck) {
                alarmOnFirstHealthCheck = false
                moto.setAlarmState(BlueGreenWorld.REGION, 'HighErrorRate', 'ALARM')
            }
            ex.sendResponseHeaders(200, 15)
            ex.responseBody.withStream { it << '{"status":"UP"}' }
        }
        web.start()
        String base = "http://127.0.0.1:${web.address.port}"
        secretTexts['slack-webhook'] = "${base}/slack/T000/B000/fakeWebhookSecret".toString()

        // What the agent and the job would provide; the Jenkinsfile's own environment section sets the rest.
        pin('AWS_ENDPOINT_URL', rollouts.url())
        pin('ECS_CLUSTER', 'prod')
        pin('LISTENER_RULE_ARN', world.rule)
        pin('HEALTH_URL', "${base}/{color}/actuator/health".toString())
        pin('ECR_REGISTRY_URL', registry.url())
        pin('AWS_DEPLOY_SHIFT_MINUTE', '100ms')   // a trafficShift/bake "minute" lasts 100 ms in this test
        pin('JOB_NAME', 'myapp/main')
        pin('BUILD_URL', 'https://jenkins.example.com/job/myapp/job/main/1/')
        env.DEPLOY_IMAGE = ''
        env.ROLL_OUT_TO_EC2 = 'false'
        writeMavenWrapper()
        declarative = new Declarative()
        declarative.register(helper, binding, env, params)
    }

    @After
    void tearDown() {
        web?.stop(0)
        world?.close()
        codeDeployFront?.afterEach(null)
    }

    AwsFront codeDeployFront

    /**
     * Given the EC2 fleet: in moto, CodeDeploy application myapp (Server) with deployment group myapp-fleet and the
     * bucket myapp-releases, in the pipeline's region; the app's deploy/ folder in the workspace. CodeDeploy goes
     * through WireMock for what moto lacks (the deployment's lifecycle, configs); the rest of AWS as before.
     */
    private CodeDeployFake givenTheEc2Fleet() {
        codeDeployFront = new AwsFront(moto)
        codeDeployFront.beforeEach(null)
        pin('AWS_ENDPOINT_URL_CODEDEPLOY', codeDeployFront.url())
        def cd = AwsClients.codeDeploy(moto.url(), BlueGreenWorld.REGION)
        def s3 = AwsClients.s3(moto.url(), BlueGreenWorld.REGION)
        try {
            cd.createApplication { it.applicationName('myapp').computePlatform('Server') }
            cd.createDeploymentGroup { it.applicationName('myapp').deploymentGroupName('myapp-fleet')
                    .serviceRoleArn('arn:aws:iam::123456789012:role/codedeploy') }
            s3.createBucket { it.bucket('myapp-releases').createBucketConfiguration { c ->
                c.locationConstraint(BlueGreenWorld.REGION) } }
        } finally {
            cd.close()
            s3.close()
        }
        // moto writes GetApplication's createTime in a form the SDK cannot read; CodeDeploy sends epoch seconds.
        codeDeployFront.wiremock().stubFor(AwsFront.operation('GetApplication').atPriority(7).willReturn(AwsFront.json(
                '{"application":{"applicationId":"0a1b2c3d-0000-4000-8000-000000000001","applicationName":"myapp",'
                        + '"computePlatform":"Server","createTime":1795521600.0,"linkedToGitHub":false}}')))
        Path deploy = Files.createDirectories(workspace.resolve('deploy/scripts'))
        workspace.resolve('deploy/appspec.yml').text = 'version: 0.0\nos: linux\nfiles:\n  - source: /\n' +
                '    destination: /opt/myapp\nhooks:\n  ApplicationStart:\n    - location: scripts/start.sh\n'
        deploy.resolve('start.sh').text = '#!/bin/sh\nsystemctl restart myapp\n'
        return new CodeDeployFake(codeDeployFront)
    }

    /** ./mvnw as the agent would run it: tests write a JUnit report; jib:buildTar writes the image archive. */
    private void writeMavenWrapper() {
        Path mvnw = workspace.resolve('mvnw')
        mvnw.text = '''#!/usr/bin/env bash
set -e
mkdir -p target/surefire-reports
case "$*" in
  *jib:buildTar*) cp "$PREBUILT_IMAGE" target/image.tar; echo "jar of $GIT_COMMIT" > target/myapp-1.0.jar
                  echo "[mvnw] built target/image.tar and target/myapp-1.0.jar" ;;
  *verify*) echo '<testsuite name="AppTest" tests="1"><testcase name="works"/></testsuite>' \\
              > target/surefire-reports/TEST-AppTest.xml; echo "[mvnw] tests passed" ;;
esac
'''
        mvnw.toFile().setExecutable(true)
    }

    private void build(int number, String commit, long seed) {
        Path image = workspace.resolve("prebuilt-${number}.tar")
        Images.dockerArchive(image, "myapp:${commit.take(7)}", false, Images.layer(seed, 60000),
                Images.layer(seed + 1, 20000))
        pin('PREBUILT_IMAGE', image.toString())
        pin('GIT_COMMIT', commit)
        pin('BUILD_NUMBER', String.valueOf(number))
        env.remove('IMAGE')
        env.remove('LIVE_COLOR')
        declarative.stagesRun.clear()
        runScript(Repo.path('Jenkinsfile.example'))
    }

    private String digestOf(String imageUri) {
        return imageUri.substring(imageUri.indexOf('@') + 1)
    }

    @Test
    void theWholePipelineTestsBuildsPushesAndDeploysWithACanaryAndTellsSlack() {
        build(1, 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', 71)

        assertEquals(['Test', 'Build', 'Push', 'Alarms', 'Deploy'], declarative.stagesRun)
        assertEquals(['target/surefire-reports/*.xml'], junitReports)
        String image = env.IMAGE
        assertTrue(image, image.startsWith(BlueGreenWorld.REPO + '@sha256:'))
        assertEquals(digestOf(image), registry.manifest('myapp', 'a1b2c3d').digestHeader())
        assertEquals(digestOf(image), registry.manifest('myapp', 'latest').digestHeader())
        CloudWatchClient cw = AwsClients.cloudWatch(moto.url(), BlueGreenWorld.REGION)
        try {
            assertEquals('API 에러율이 5%를 초과했을 때',
                    cw.describeAlarms { it.alarmNames('HighErrorRate') }.metricAlarms()[0].alarmDescription())
        } finally {
            cw.close()
        }
        assertEquals(new TrafficRoute.Weights(0, 100), world.weights())
        assertEquals(image, world.image('myapp-green'))
        assertEquals('green', env.LIVE_COLOR)
        assertTrue(healthChecks.toString(), healthChecks.contains('/green/actuator/health'))
        assertEquals(1, slack.size())
        assertTrue(slack[0], slack[0].contains("deployed ${image}") && slack[0].contains('green is live'))
        List<String> order = commands.collect { c ->
            ['mvnw -B verify', 'jib:buildTar', 'ecr-push', 'cloudwatch-alarm put', 'ecs-blue-green', 'curl']
                    .find { c.contains(it) }
        }
        assertEquals(['mvnw -B verify', 'jib:buildTar', 'ecr-push', 'cloudwatch-alarm put', 'ecs-blue-green', 'curl'],
                order)
        assertTrue(log.toString(), log.contains('Traffic: green 10 %'))
        assertTrue(log.toString(), log.contains('Traffic: green 100 %, blue 0 % (read back)'))
        assertFalse(log.contains(ACCESS_KEY))
        assertFalse(log.contains(SECRET_KEY))
        assertFalse(log.contains('fakeWebhookSecret'))
        assertFalse(log.contains(RegistryServer.MOTO_PASSWORD))
    }

    @Test
    void withRollOutToEc2TheFleetRollsWithSeventyFivePercentInServiceFromTheWorkspacesBundle() {
        CodeDeployFake fake = givenTheEc2Fleet()
        fake.configCreatedOnDemand('aws-deploy-FLEET_PERCENT-75', '{"deploymentConfigName":"aws-deploy-FLEET_PERCENT-75",'
                + '"computePlatform":"Server","minimumHealthyHosts":{"type":"FLEET_PERCENT","value":75}}')
        fake.lifecycle(CodeDeployFake.look('InProgress').counts(3, 1, 0, 0, 0),
                CodeDeployFake.look('InProgress').counts(1, 1, 2, 0, 0),
                CodeDeployFake.look('Succeeded').counts(0, 0, 4, 0, 0))
        params.ROLL_OUT_TO_EC2 = true
        env.ROLL_OUT_TO_EC2 = 'true'   // Jenkins sets every build parameter in env, too

        build(1, 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', 111)

        assertEquals(['Test', 'Build', 'Push', 'Alarms', 'Deploy', 'Roll out to EC2'], declarative.stagesRun)
        assertEquals(new TrafficRoute.Weights(0, 100), world.weights())
        assertEquals(1, fake.count('CreateDeploymentConfig'))
        def config = fake.requests('CreateDeploymentConfig')[0]
        assertEquals('FLEET_PERCENT', config.path('minimumHealthyHosts').path('type').asText())
        assertEquals(75, config.path('minimumHealthyHosts').path('value').asInt())
        def create = fake.requests('CreateDeployment')[0]
        assertEquals(1, fake.count('CreateDeployment'))
        assertEquals('myapp-fleet', create.path('deploymentGroupName').asText())
        assertEquals('aws-deploy-FLEET_PERCENT-75', create.path('deploymentConfigName').asText())
        assertEquals(['HighErrorRate'], create.path('overrideAlarmConfiguration').path('alarms')*.path('name')*.asText())
        String key = create.path('revision').path('s3Location').path('key').asText()
        assertTrue(key, key.matches('aws-deploy/codedeploy-[0-9a-f]{16}\\.zip'))

        // What AWS holds afterwards: the deployment in moto, the bundle in S3 with the workspace's files.
        def cd = AwsClients.codeDeploy(moto.url(), BlueGreenWorld.REGION)
        def s3 = AwsClients.s3(moto.url(), BlueGreenWorld.REGION)
        try {
            List<String> ids = cd.listDeployments { it.applicationName('myapp').deploymentGroupName('myapp-fleet') }
                    .deployments()
            assertEquals(1, ids.size())
            assertTrue(log.toString(), log.contains("EC2 fleet: deployment ${ids[0]} Succeeded"))
            Path zip = workspace.resolve('downloaded.zip')
            s3.getObject({ it.bucket('myapp-releases').key(key) }, zip)
            ZipFile z = new ZipFile(zip.toFile())
            try {
                assertEquals(['appspec.yml', 'myapp-1.0.jar', 'scripts/start.sh'], z.entries()*.name.findAll {
                    !it.endsWith('/') }.sort())
                assertEquals('jar of a1b2c3d4e5f60718293a4b5c6d7e8f9012345678\n',
                        z.getInputStream(z.getEntry('myapp-1.0.jar')).text)
            } finally {
                z.close()
            }
        } finally {
            cd.close()
            s3.close()
        }
        assertTrue(log.toString(), log.contains('Created deployment config aws-deploy-FLEET_PERCENT-75'))
        assertTrue(log.toString(), log.contains('Instances: 0 pending, 0 in progress, 4 succeeded'))
        assertFalse(log.contains(SECRET_KEY))
    }

    @Test
    void restartingTheDeployStageOfTheLastGoodBuildSwitchesTrafficBackWithOneChange() {
        build(1, 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', 81)
        String good = env.IMAGE
        Map<String, Map<String, byte[]>> goodStashes = new LinkedHashMap<>(stashes)
        build(2, 'ffeeddccbbaa99887766554433221100ffeeddcc', 91)
        String newer = env.IMAGE
        assertEquals(new TrafficRoute.Weights(100, 0), world.weights())
        assertEquals(newer, world.image('myapp-blue'))
        assertFalse(good == newer)

        // "Restart from Stage" on Deploy of build 1: the earlier stages are skipped, its image is carried over.
        moto.startCounting()
        slack.clear()
        declarative.onlyStages = ['Deploy'] as Set
        declarative.stagesRun.clear()
        stashes.clear()
        stashes.putAll(goodStashes)
        env.remove('IMAGE')
        pin('BUILD_NUMBER', '1')
        runScript(Repo.path('Jenkinsfile.example'))

        assertEquals(['Deploy'], declarative.stagesRun)
        assertEquals(new TrafficRoute.Weights(0, 100), world.weights())
        assertEquals(good, world.image('myapp-green'))
        assertEquals(['ModifyRule'], moto.mutatingRequests()*.operation().findAll { it != 'SetAlarmState' })
        assertTrue(log.toString(), log.contains('Standby green already runs'))
        assertEquals(1, slack.size())
        assertTrue(slack[0], slack[0].contains("deployed ${good}"))
    }

    @Test
    void aFailedDeployLeavesTrafficOnTheHealthyColourAndTellsSlack() {
        alarmOnFirstHealthCheck = true
        try {
            build(1, 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', 101)
            fail('the build should fail')
        } catch (LibraryPipelineTest.PipelineError e) {
            assertTrue(e.message, e.message.startsWith('ecsBlueGreen: failed'))
            declarative.runPostAfterFailure { runScript(Repo.path('Jenkinsfile.example')) }
        }
        assertEquals(new TrafficRoute.Weights(100, 0), world.weights())
        assertEquals(1, slack.size())
        assertTrue(slack[0], slack[0].contains('failed; traffic stays on the healthy colour'))
    }
}
