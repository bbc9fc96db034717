package dev.awsdeploy.library

import static org.junit.Assert.assertEquals
import static org.junit.Assert.assertFalse
import static org.junit.Assert.assertTrue

import dev.awsdeploy.ecs.BlueGreenWorld
import dev.awsdeploy.ecs.TrafficRoute
import dev.awsdeploy.testing.AwsClients
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
import software.amazon.awssdk.services.ecs.EcsClient
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client

/**
 * The real bin/aws-deploy ecs-blue-green as a process: SIGTERM mid-canary puts all traffic back on blue; a
 * process killed with -9 mid-canary resumes from its state file without registering or updating twice.
 * One deployment at a time per service: two runs started together with different images never interleave (one
 * waits for the other's lease, or gives up with exit 4 naming it); a holder killed with -9 leaves a lease that the
 * next run takes over once it expired; a holder stopped with SIGTERM rolls back and releases its lease.
 */
class EcsBlueGreenProcessTest {
    static MotoServer moto = MotoServer.with(['MOTO_ECS_SERVICE_RUNNING': '2'])
    static EcsRolloutFront rollouts = EcsRolloutFront.start(moto.url())
    static final String LEASE = 'aws-deploy:lease'
    BlueGreenWorld world
    CliProcesses processes
    Path dir
    ElasticLoadBalancingV2Client elb
    EcsClient ecs

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
        elb = AwsClients.elasticLoadBalancingV2(moto.url(), BlueGreenWorld.REGION)
        ecs = AwsClients.ecs(moto.url(), BlueGreenWorld.REGION)
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
        elb?.close()
        ecs?.close()
        world?.close()
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

    // ---------------------------------------------------------------- the deployment lease (issue 12)

    private static List<String> deploy(String image, String... extra) {
        return ['ecs-blue-green', '--cluster', 'prod', '--service', 'myapp', '--image', image, '--output', 'json',
                '--bake-time', '0s'] + (extra as List)
    }

    /** Starts a run as the build at {@code buildUrl}; its output is out-NAME.txt and err-NAME.txt. */
    private Process start(String name, String buildUrl, List<String> args) {
        return processes.run(args + ['--listener-rule-arn', world.rule], name, [BUILD_URL: buildUrl,
                AWS_SECRET_ACCESS_KEY: 'testingSecretNeverShown'])
    }

    private String text(String kind, String name) {
        return processes.of(kind, name)
    }

    private Map result(String name) {
        return new JsonSlurperClassic().parseText(text('out', name)) as Map
    }

    private void waitFor(String name, String what) {
        long until = System.currentTimeMillis() + 60_000
        while (!text('err', name).contains(what)) {
            if (System.currentTimeMillis() > until) {
                throw new AssertionError("never saw '${what}': ${text('err', name)}")
            }
            Thread.sleep(50)
        }
    }

    private List<String> leaseTags() {
        List<String> out = []
        out << elb.describeTags { it.resourceArns(world.rule) }.tagDescriptions()[0].tags()
                .find { it.key() == LEASE }?.value()
        for (String s : ['myapp-blue', 'myapp-green']) {
            String arn = world.service(s).serviceArn()
            out << ecs.listTagsForResource { it.resourceArn(arn) }.tags().find { it.key() == LEASE }?.value()
        }
        return out
    }

    @Test
    void twoRunsStartedTogetherWithDifferentImagesOneWaitsForTheOtherAndNeitherReportsAWrongSuccess() {
        String v3 = BlueGreenWorld.REPO + ':v3'
        Process a = start('a', 'https://jenkins.example.com/job/a/1/', deploy(BlueGreenWorld.V2))
        Process b = start('b', 'https://jenkins.example.com/job/b/1/', deploy(v3))

        assertTrue(a.waitFor(120, TimeUnit.SECONDS))
        assertTrue(b.waitFor(120, TimeUnit.SECONDS))

        assertEquals(text('err', 'a'), 0, a.exitValue())
        assertEquals(text('err', 'b'), 0, b.exitValue())
        String waited = text('err', 'a').contains('Waiting for the deployment lease') ? 'a' : 'b'
        String first = waited == 'a' ? 'b' : 'a'
        assertFalse('only one waited', text('err', first).contains('Waiting for the deployment lease'))
        assertTrue(text('err', waited), text('err', waited).contains('Waiting for the deployment lease on '
                + "myapp-blue/myapp-green: held by https://jenkins.example.com/job/${first}/1/ since"))
        Map r1 = result(first)
        Map r2 = result(waited)
        // The second planned again once it held the lease: it deployed to the colour the first left as standby.
        assertEquals(r1.liveColor, r2.previousColor)
        assertTrue(r1.liveColor != r2.liveColor)
        assertEquals(TrafficRoute.Weights.allOn(r2.liveColor as String), world.weights())
        assertEquals(r2.image, world.image(r2.liveService as String))
        assertEquals('the first run\'s version is what it said', r1.image, world.image(r1.liveService as String))
        assertEquals([BlueGreenWorld.V2, v3] as Set, [r1.image, r2.image] as Set)
        assertEquals([null, null, null], leaseTags())
        for (String n : ['a', 'b']) {
            assertFalse(text('err', n).contains('testingSecretNeverShown'))
            assertFalse(text('out', n).contains('testingSecretNeverShown'))
        }
    }

    @Test
    void aRunThatCannotGetTheLeaseWithinLockTimeoutExitsFourNamingTheHolderAndSigtermReleasesIt() {
        // The holder sits in a 10 % canary (an unshortened 5-minute hold).
        rollouts.looksToComplete(1)
        Process holder = start('holder', 'https://jenkins.example.com/job/holder/7/',
                ['ecs-blue-green', '--cluster', 'prod', '--service', 'myapp', '--image', BlueGreenWorld.V2,
                 '--traffic-shift', 'Canary10Percent5Minutes', '--output', 'json'])
        waitFor('holder', 'Holding 10 %')
        List<String> held = leaseTags()
        assertTrue(held.toString(), held.every { it?.contains('owner=https://jenkins.example.com/job/holder/7/') })

        // force: past the mid-shift check, so that the lease is what stops it.
        Process other = start('other', 'https://jenkins.example.com/job/other/3/',
                deploy(BlueGreenWorld.REPO + ':v3', '--lock-timeout', '3s', '--force'))
        assertTrue(other.waitFor(60, TimeUnit.SECONDS))

        assertEquals(text('err', 'other'), 4, other.exitValue())
        Map r = result('other')
        assertEquals('locked', r.status)
        assertEquals('https://jenkins.example.com/job/holder/7/', r.leaseOwner)
        assertTrue(r.summary as String, (r.summary as String).contains('another deployment holds the lease on '
                + 'myapp-blue/myapp-green: https://jenkins.example.com/job/holder/7/ since'))
        assertEquals(new TrafficRoute.Weights(90, 10), world.weights())

        holder.destroy()   // SIGTERM: roll back, release the lease
        assertTrue(holder.waitFor(60, TimeUnit.SECONDS))
        assertEquals(3, holder.exitValue())
        assertEquals(new TrafficRoute.Weights(100, 0), world.weights())
        assertEquals([null, null, null], leaseTags())
        assertTrue(text('err', 'holder'), text('err', 'holder').contains('Deployment lease on myapp-blue/myapp-green '
                + 'released'))
    }

    @Test
    void aHolderKilledWithSigkillLeavesItsLeaseWhichTheNextRunTakesOverOnceExpired() {
        rollouts.looksToComplete(100000)   // the standby never gets ready: the holder waits
        Process holder = start('holder', 'https://jenkins.example.com/job/holder/8/', deploy(BlueGreenWorld.V2))
        waitFor('holder', 'Standby myapp-green')
        holder.destroyForcibly()   // SIGKILL: nothing released
        holder.waitFor()
        List<String> left = leaseTags()
        assertTrue(left.toString(), left.every { it?.contains('owner=https://jenkins.example.com/job/holder/8/') })

        // As if the lease's 2 minutes without renewal had passed.
        String expired = left[0].replaceFirst(/expires=\S+/, 'expires=2020-01-01T00:00:00Z')
        elb.addTags { it.resourceArns(world.rule).tags([software.amazon.awssdk.services.elasticloadbalancingv2.model.Tag
                .builder().key(LEASE).value(expired).build()]) }
        for (String s : ['myapp-blue', 'myapp-green']) {
            String arn = world.service(s).serviceArn()
            ecs.tagResource { it.resourceArn(arn).tags([software.amazon.awssdk.services.ecs.model.Tag.builder()
                    .key(LEASE).value(expired).build()]) }
        }
        rollouts.looksToComplete(1)
        String v3 = BlueGreenWorld.REPO + ':v3'
        Process next = start('next', 'https://jenkins.example.com/job/next/1/', deploy(v3))
        assertTrue(next.waitFor(120, TimeUnit.SECONDS))

        assertEquals(text('err', 'next'), 0, next.exitValue())
        assertTrue(text('err', 'next'), text('err', 'next').contains('Taking over the expired deployment lease of '
                + 'https://jenkins.example.com/job/holder/8/ since'))
        assertEquals(new TrafficRoute.Weights(0, 100), world.weights())
        assertEquals(v3, world.image('myapp-green'))
        assertEquals([null, null, null], leaseTags())
    }

    /** Waits until {@code condition} holds (it reads AWS), failing after 30 s. */
    private static void eventually(String what, Closure<Boolean> condition) {
        long until = System.currentTimeMillis() + 30_000
        while (System.currentTimeMillis() < until) {
            if (condition()) {
                return
            }
            Thread.sleep(50)
        }
        throw new AssertionError("never: ${what}")
    }

    private Map shortCanaryEnv() {
        return [AWS_ENDPOINT_URL: rollouts.url(), AWS_REGION: BlueGreenWorld.REGION, AWS_ACCESS_KEY_ID: 'testing',
                AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEPLOY_SHIFT_MINUTE: '1s']
    }

    /**
     * Starts a short canary whose {@code op} is applied at once but answered only after 60 s, SIGKILLs the process
     * once {@code applied} shows the change in AWS, and re-runs it with the same state file (answers prompt again).
     */
    private Map killBetweenChangeAndAnswer(String op, String what, Closure<Boolean> applied) {
        CliProcesses cli = new CliProcesses(shortCanaryEnv())
        try {
            String state = cli.dir.resolve('ecs.state').toString()
            rollouts.holdAnswer(op, 60_000)
            Process first = cli.run(canary('--state-file', state, '--bake-time', '0s'))
            eventually(what, applied)
            first.destroyForcibly()   // SIGKILL between the change and its answer
            first.waitFor()
            rollouts.holdAnswer(op, 0)
            Process second = cli.run(canary('--state-file', state, '--bake-time', '0s'))
            assertTrue(second.waitFor(60, TimeUnit.SECONDS))
            return [exit: second.exitValue(), err: cli.latest('err')]
        } finally {
            rollouts.holdAnswer(op, 0)
            cli.close()
        }
    }

    @Test
    void sigkillAfterModifyRuleTookEffectButBeforeItsAnswerIsResumedToOneHundredPercentGreen() {
        Map r = killBetweenChangeAndAnswer('ModifyRule', '10 % on green') {
            world.weights() == new TrafficRoute.Weights(90, 10)
        }

        assertEquals(r.err, 0, r.exit)
        assertTrue(r.err, (r.err as String).contains('was about to set green to 10 %'))
        assertEquals(new TrafficRoute.Weights(0, 100), world.weights())
        assertEquals(1L, moto.count('RegisterTaskDefinition'))
        assertEquals(2, world.revisions())
    }

    @Test
    void sigkillAfterRegisterTaskDefinitionTookEffectButBeforeItsAnswerRegistersNothingTwice() {
        Map r = killBetweenChangeAndAnswer('RegisterTaskDefinition', 'the revision registered') {
            world.revisions() == 2
        }

        assertEquals(r.err, 0, r.exit)
        assertTrue(r.err, (r.err as String).contains('already registered'))
        assertEquals(new TrafficRoute.Weights(0, 100), world.weights())
        assertEquals(1L, moto.count('RegisterTaskDefinition'))
        assertEquals(2, world.revisions())
    }
}
