package dev.awsdeploy.library

import static org.junit.Assert.assertEquals
import static org.junit.Assert.assertFalse
import static org.junit.Assert.assertTrue
import static org.junit.Assume.assumeTrue

import dev.awsdeploy.testing.AwsClients
import dev.awsdeploy.testing.MotoServer
import dev.awsdeploy.testing.Repo
import groovy.json.JsonSlurperClassic
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit
import org.junit.After
import org.junit.Before
import org.junit.Test
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient

/**
 * The real bin/aws-deploy chooses its Java (AWS_DEPLOY_JAVA_HOME, else the java on PATH) and keeps one start-up
 * archive per step and Java runtime version: on Java 25 an ahead-of-time cache recorded in two runs, on older ones a
 * class-data-sharing archive. Whatever the JVM says about recording never reaches the run's output, and a Java that
 * cannot run aws-deploy is refused before anything is started.
 */
class CliLauncherTest {
    static final String REGION = 'ap-northeast-2'
    static MotoServer moto = MotoServer.shared()
    CliProcesses processes
    Path cds
    CloudWatchClient cw

    @Before
    void setUp() {
        moto.reset()
        processes = new CliProcesses([AWS_ENDPOINT_URL: moto.url(), AWS_REGION: REGION,
                AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing'])
        cds = Files.createDirectories(processes.dir.resolve('cds'))
        cw = AwsClients.cloudWatch(moto.url(), REGION)
    }

    @After
    void tearDown() {
        cw.close()
        processes.close()
    }

    /** A JDK of at least {@code major} under /usr/lib/jvm (by its release file), or null. */
    private static Path jdk(int major, boolean atLeast) {
        File[] homes = new File('/usr/lib/jvm').listFiles() ?: new File[0]
        for (File home : homes.sort { it.name }) {
            File release = new File(home, 'release')
            if (!release.file || !new File(home, 'bin/java').canExecute()) {
                continue
            }
            String v = release.readLines().find { it.startsWith('JAVA_VERSION=') }
            if (v == null) {
                continue
            }
            int m = (v.replaceAll(/^JAVA_VERSION="?/, '').split(/[.+\-"]/)[0]) as int
            if (atLeast ? m >= major : m == major) {
                return home.toPath().toRealPath()
            }
        }
        return null
    }

    private static String runtimeVersion(Path home) {
        String v = Files.readAllLines(home.resolve('release')).find { it.startsWith('JAVA_RUNTIME_VERSION=') }
        return v.replaceAll(/^JAVA_RUNTIME_VERSION="?/, '').replaceAll(/"$/, '')
    }

    private Map<String, Object> put(String name, Map<String, String> env) {
        Process p = processes.run(['cloudwatch-alarm', 'put', '--file', Repo.path('resources/alarms/high-error-rate.json'),
                                   '--output', 'json'], name, [AWS_DEPLOY_CDS_DIR: cds.toString()] + env)
        assertTrue("run ${name} ends", p.waitFor(120, TimeUnit.SECONDS))
        return [exit: p.exitValue(), out: processes.of('out', name), err: processes.of('err', name)]
    }

    /** The run's stdout is one JSON document, and its stderr is the step's own timeline only. */
    private static void assertOnlyTheStepSpoke(Map<String, Object> run) {
        String label = "stdout:\n${run.out}\nstderr:\n${run.err}"
        assertEquals(label, 0, run.exit)
        assertTrue(label, (run.out as String).trim().startsWith('{') && (run.out as String).trim().endsWith('}'))
        assertFalse(label, (run.out as String).contains('AOT'))
        Map result = new JsonSlurperClassic().parseText(run.out as String) as Map
        assertEquals(label, 'SUCCEEDED', result.outcome)
        (run.err as String).readLines().findAll { it.trim() }.each { String line ->
            assertTrue(label, line.startsWith('[') || line.startsWith('SUCCEEDED'))
            assertFalse(label, line.contains('AOT') || line.contains('Picked up') || line.contains('CDS'))
        }
    }

    /**
     * What the JVM of a `cloudwatch-alarm wait` (the same step's archive as `put`) has mapped, read from
     * /proc/PID/maps once it watches the alarm (the launcher execs java, so the pid is the JVM's).
     */
    private String mappedWhileWaiting(Map<String, String> env) {
        moto.setAlarmState(REGION, 'HighErrorRate', 'OK')
        Process p = processes.run(['cloudwatch-alarm', 'wait', '--alarms', 'HighErrorRate', '--duration', '3s',
                                   '--poll-interval', '1s'], 'wait', [AWS_DEPLOY_CDS_DIR: cds.toString()] + env)
        long until = System.currentTimeMillis() + 60_000
        while (!processes.of('err', 'wait').contains('HighErrorRate=OK') && System.currentTimeMillis() < until) {
            Thread.sleep(50)
        }
        String maps = new File("/proc/${p.pid()}/maps").text
        assertTrue(p.waitFor(60, TimeUnit.SECONDS))
        assertEquals(processes.of('err', 'wait'), 0, p.exitValue())
        return maps
    }

    private List<String> archives() {
        return cds.toFile().list().sort() as List<String>
    }

    private int alarmsNamed(String name) {
        return cw.describeAlarms { it.alarmNames(name) }.metricAlarms().size()
    }

    @Test
    void onJava25TheFirstRunRecordsTheNextMakesTheCacheAndLaterRunsUseIt() {
        Path java25 = jdk(25, true)
        assumeTrue('a Java 25 or later under /usr/lib/jvm (this machine image has Temurin 25)', java25 != null)
        String cache = "aws-deploy.jar.cloudwatch-alarm.${runtimeVersion(java25)}.aot"
        Map<String, String> env = [AWS_DEPLOY_JAVA_HOME: java25.toString()]

        Map<String, Object> first = put('first', env)

        assertOnlyTheStepSpoke(first)
        assertEquals(1, alarmsNamed('HighErrorRate'))
        assertEquals(archives().toString(), 1, archives().size())
        assertTrue(archives().toString(), archives()[0] ==~ /\Q${cache}\E\.\d+\.conf/)

        // What older launchers and other Java versions left for this step is dropped once the new cache exists.
        Files.write(cds.resolve('aws-deploy.jar.cloudwatch-alarm.jsa'), [1] as byte[])
        Files.write(cds.resolve('aws-deploy.jar.cloudwatch-alarm.25.0.0+1.aot'), [1] as byte[])
        cw.deleteAlarms { it.alarmNames('HighErrorRate') }
        Map<String, Object> second = put('second', env)

        assertOnlyTheStepSpoke(second)
        assertEquals(1, alarmsNamed('HighErrorRate'))
        assertEquals([cache], archives())
        Process check = new ProcessBuilder(java25.resolve('bin/java').toString(), '-XX:AOTMode=on',
                "-XX:AOTCache=${cds.resolve(cache)}", '-cp', Repo.path('jenkins-plugin/core/target/aws-deploy.jar'),
                '-version').redirectErrorStream(true).start()
        String said = check.inputStream.text
        assertTrue(check.waitFor(60, TimeUnit.SECONDS))
        assertEquals("the cache is one the JVM maps for this jar: ${said}", 0, check.exitValue())

        assertTrue('a later run maps the cache', mappedWhileWaiting(env).contains(cds.resolve(cache).toString()))
        assertEquals([cache], archives())
    }

    @Test
    void onJava17TheArchiveIsNamedByTheRuntimeVersionAndAdoptedByTheNextRun() {
        Path java17 = jdk(17, false)
        assumeTrue('a Java 17 under /usr/lib/jvm (the machine\'s default java)', java17 != null)
        String archive = "aws-deploy.jar.cloudwatch-alarm.${runtimeVersion(java17)}.jsa"
        Map<String, String> env = [AWS_DEPLOY_JAVA_HOME: java17.toString()]

        Map<String, Object> first = put('first', env)

        assertOnlyTheStepSpoke(first)
        assertTrue(archives().toString(), archives().size() == 1 && archives()[0] ==~ /\Q${archive}\E\.\d+\.tmp/)

        Files.write(cds.resolve('aws-deploy.jar.cloudwatch-alarm.jsa'), [1] as byte[])
        Map<String, Object> second = put('second', env)

        assertOnlyTheStepSpoke(second)
        assertEquals([archive], archives())
        assertEquals(1, alarmsNamed('HighErrorRate'))
        assertTrue('a later run maps the archive', mappedWhileWaiting(env).contains(cds.resolve(archive).toString()))
    }

    /**
     * A CLI installed where the agent's user cannot write (here: the archive folder is a file) runs without an
     * archive. Before, Java 17 said it could not write the archive and exited 1 after a step that had succeeded.
     */
    @Test
    void whereNoArchiveCanBeWrittenTheStepRunsWithoutOneAndItsExitCodeAndOutputAreItsOwn() {
        Path notAFolder = processes.dir.resolve('not-a-folder')
        Files.write(notAFolder, [1] as byte[])
        List<Path> javas = [jdk(17, false), jdk(25, true)].findAll { it != null }
        assertFalse('a Java 17 or 25 under /usr/lib/jvm', javas.isEmpty())
        javas.eachWithIndex { Path home, int i ->
            cw.deleteAlarms { it.alarmNames('HighErrorRate') }
            Map<String, Object> run = put("unwritable-${i}", [AWS_DEPLOY_JAVA_HOME: home.toString(),
                                                              AWS_DEPLOY_CDS_DIR: notAFolder.toString()])

            assertOnlyTheStepSpoke(run)
            assertEquals(home.toString(), 1, alarmsNamed('HighErrorRate'))
        }
        assertEquals('the file is left as it was', 1L, Files.size(notAFolder))
        assertEquals([], archives())
    }

    @Test
    void aJavaHomeWithoutJavaIsRefusedNamingTheVariableAndNothingIsChanged() {
        moto.startCounting()
        String missing = processes.dir.resolve('no-such-java').toString()

        Map<String, Object> run = put('missing', [AWS_DEPLOY_JAVA_HOME: missing])

        assertEquals(2, run.exit)
        assertEquals('', run.out)
        assertTrue(run.err as String, (run.err as String).contains("AWS_DEPLOY_JAVA_HOME=${missing} has no bin/java"))
        assertTrue(run.err as String, (run.err as String).contains('Java 17 or later'))
        assertEquals([], moto.requests())
        assertEquals(0, alarmsNamed('HighErrorRate'))
    }

    @Test
    void aJavaOlderThan17IsRefusedBeforeItIsStarted() {
        Path home = Files.createDirectories(processes.dir.resolve('java11'))
        Files.createDirectories(home.resolve('bin'))
        Path started = processes.dir.resolve('java11-started')
        Path java = home.resolve('bin/java')
        Files.write(java, "#!/bin/sh\ntouch '${started}'\nexit 1\n".getBytes('UTF-8'))
        java.toFile().setExecutable(true)
        Files.write(home.resolve('release'),
                'IMPLEMENTOR="Test"\nJAVA_RUNTIME_VERSION="11.0.2+9"\nJAVA_VERSION="11.0.2"\n'.getBytes('UTF-8'))
        moto.startCounting()

        Map<String, Object> run = put('old', [AWS_DEPLOY_JAVA_HOME: home.toString()])

        assertEquals(2, run.exit)
        assertTrue(run.err as String, (run.err as String).contains("AWS_DEPLOY_JAVA_HOME=${home} is Java 11"))
        assertTrue(run.err as String, (run.err as String).contains('needs Java 17 or later'))
        assertFalse('that java was never started', Files.exists(started))
        assertEquals([], moto.requests())
        assertEquals(0, alarmsNamed('HighErrorRate'))
    }
}
