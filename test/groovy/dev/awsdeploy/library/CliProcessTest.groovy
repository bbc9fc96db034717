package dev.awsdeploy.library

import static org.junit.Assert.assertEquals
import static org.junit.Assert.assertFalse
import static org.junit.Assert.assertTrue

import dev.awsdeploy.testing.MotoServer
import dev.awsdeploy.testing.Repo
import groovy.json.JsonSlurperClassic
import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import java.util.concurrent.TimeUnit
import org.junit.After
import org.junit.Before
import org.junit.Test

/** The real bin/aws-deploy as a process: signals abort cleanly, and a process killed with -9 resumes. */
class CliProcessTest {
    static MotoServer moto = MotoServer.shared()
    CliProcesses processes
    Path dir

    @Before
    void setUp() {
        moto.reset()
        processes = new CliProcesses([AWS_ENDPOINT_URL: moto.url(), AWS_REGION: 'ap-northeast-2',
                AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing'])
        dir = processes.dir
        assertEquals(0, run(['cloudwatch-alarm', 'put', '--file', Repo.path('resources/alarms/high-error-rate.json')])
                .waitFor())
        moto.setAlarmState('ap-northeast-2', 'HighErrorRate', 'OK')
    }

    @After
    void tearDown() {
        processes.close()
    }

    private Process run(List<String> args) {
        return processes.run(args)
    }

    private Process started(List<String> args, String waitFor) {
        return processes.started(args, waitFor, 20_000)
    }

    private String latest(String kind) {
        return processes.latest(kind)
    }

    @Test
    void sigtermAbortsAWaitWithExitThreeAndSaysWhy() {
        Process p = started(['cloudwatch-alarm', 'wait', '--alarms', 'HighErrorRate', '--duration', '2m'], 'Watching')

        p.destroy()   // SIGTERM

        assertTrue(p.waitFor(20, TimeUnit.SECONDS))
        assertEquals(3, p.exitValue())
        assertTrue(latest('err'), latest('err').contains('Wait aborted: aborted by SIGTERM'))
    }

    @Test
    void aWaitKilledWithSigkillResumesFromItsStateFileAndEndsAtTheOriginalDeadline() {
        String state = dir.resolve('wait.state').toString()
        List<String> args = ['cloudwatch-alarm', 'wait', '--alarms', 'HighErrorRate', '--duration', '8s',
                             '--poll-interval', '1s', '--state-file', state, '--output', 'json']
        Process first = started(args, 'Alarms: HighErrorRate=OK')
        Thread.sleep(1500)
        first.destroyForcibly()   // SIGKILL: no clean-up at all
        first.waitFor()
        assertTrue('the state file survives', Files.exists(Path.of(state)))
        String deadline = new JsonSlurperClassic().parseText(new File(state).text).state.deadline

        Process second = run(args)
        assertTrue(second.waitFor(30, TimeUnit.SECONDS))

        assertEquals(latest('err'), 0, second.exitValue())
        Map result = new JsonSlurperClassic().parseText(latest('out')) as Map
        assertEquals(deadline, result.deadline)
        assertTrue('finished no earlier than the deadline', !Instant.now().isBefore(Instant.parse(deadline)))
        assertTrue(latest('err'), latest('err').contains('Resuming the wait; deadline stays'))
        assertFalse(Files.exists(Path.of(state)))
    }
}
