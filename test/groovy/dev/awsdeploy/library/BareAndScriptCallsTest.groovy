package dev.awsdeploy.library

import static org.junit.Assert.assertEquals
import static org.junit.Assert.assertTrue
import static org.junit.Assert.fail

import dev.awsdeploy.testing.Repo
import java.nio.file.Files
import java.nio.file.Path
import org.junit.Before
import org.junit.Test

/**
 * Without the plugin: every step called bare in a declarative steps block and inside script {}, with exactly the
 * plugin step's parameters (cloudWatchAlarm's optional action included), reaches the CLI with the same flags. The
 * agent's sh answers as the CLI does (a JSON result file); the CLI's own runs are tested by the other var tests.
 * With the plugin, the same pipeline runs under JenkinsRule (LibraryWithPluginTest in the plugin).
 */
class BareAndScriptCallsTest extends LibraryPipelineTest {
    Declarative declarative = new Declarative()
    Map results = [:]

    @Before
    void setUp() {
        setUpLibrary()
        declarative.register(helper, binding, env, [:])
        binding.setVariable('results', results)
        env.AWS_REGION = 'ap-northeast-2'
        helper.registerAllowedMethod('sh', [Map]) { Map args -> answer(args.script as String) }
    }

    /** What the CLI would leave: a result file beside the record, exit 0. */
    private int answer(String script) {
        commands << script
        def m = script =~ /> '([^']+\.json)'$/
        assertTrue(script, m.find())
        Path result = workspace.resolve(m.group(1))
        Files.createDirectories(result.parent)
        result.text = '{"outcome":"SUCCEEDED","status":"ok","summary":"done"}'
        return 0
    }

    private List<String> commandsOf(String cliPath) {
        return commands.findAll { it.contains(" ${cliPath} ") }
    }

    @Test
    void everyStepBareInStepsAndInsideScriptReachesTheCliWithTheSameFlags() {
        runScript('bare-and-script.jenkins')

        assertEquals(['Bare', 'Script'], declarative.stagesRun)
        assertEquals(13, commands.size())
        List<String> pushes = commandsOf('ecr-push')
        assertTrue(pushes[0], pushes[0].contains("--tags '1' --tags 'latest'"))   // a list: one flag per item
        assertTrue(pushes[1], pushes[1].contains("--tags '1,latest'"))            // a String: as given
        assertEquals(2, commandsOf('ecr-push').size())
        commandsOf('ecs-blue-green').each {
            assertTrue(it, it.contains("--alarms 'HighErrorRate'") && it.contains("--desired-count '2'"))
        }
        commandsOf('code-deploy-rolling').each { assertTrue(it, it.contains("--e-tag 'abc123'")) }
        assertEquals(2, commandsOf('cloudwatch-alarm put').size())
        assertEquals(2, commandsOf('cloudwatch-alarm wait').size())
        assertEquals(2, commandsOf('cloudwatch-alarm put-metric').size())
        assertEquals(1, commandsOf('cloudwatch-alarm delete').size())
        commands.each { assertTrue(it, !it.contains('--action')) }
        assertEquals(['push', 'ecs', 'cd', 'put', 'wait', 'metric', 'delete'] as Set, results.keySet())
        results.values().each { assertEquals('ok', it.status) }
    }

    @Test
    void anUnknownActionIsNamedWithTheActionsThereAre() {
        try {
            runInline("cloudWatchAlarm action: 'get', alarmName: 'x'")
            fail('an unknown action should fail')
        } catch (LibraryPipelineTest.PipelineError e) {
            assertEquals("cloudWatchAlarm: action 'get' is not one of put, delete, wait, putMetric; write e.g. "
                    + "cloudWatchAlarm action: 'wait', alarms: ['HighErrorRate']", e.message)
        }
        try {
            runInline("cloudWatchAlarm.wait(action: 'put', alarms: ['x'])")
            fail('a contradicting action should fail')
        } catch (LibraryPipelineTest.PipelineError e) {
            assertTrue(e.message, e.message.startsWith("cloudWatchAlarm.wait: action 'put' contradicts .wait"))
        }
        assertEquals([], commands)
    }

    private void runInline(String body) {
        Path p = Files.createTempFile(Path.of(scriptRoots[0]), 'inline', '.jenkins')
        try {
            p.text = body + '\n'
            runScript(p.fileName.toString())
        } finally {
            Files.delete(p)
        }
    }

    @Test
    void pluginArgumentsAreCoercedAsTheCliReadsItsFlags() {
        // The library's class as the library loads it (src/ is not on the tests' class path).
        Class pluginArgs = new GroovyClassLoader(getClass().classLoader)
                .parseClass(new File(Repo.path('src/dev/awsdeploy/pipeline/PluginArgs.groovy')))
        Map types = [alarms: 'List', period: 'Integer', threshold: 'Double', dryRun: 'Boolean', alarmName: 'String']
        def c = pluginArgs.coerce([alarms: 'A, B', period: '60', threshold: '2.5', dryRun: 'true',
                                                  alarmName: "${'High'}ErrorRate"], types)
        assertEquals([], c.problems)
        assertEquals([alarms: ['A', 'B'], period: 60, threshold: 2.5d, dryRun: true, alarmName: 'HighErrorRate'],
                c.args)
        assertTrue(c.args.alarmName instanceof String)
        assertEquals([alarms: ['A'], period: 60, threshold: 5.0d], pluginArgs.coerce([alarms: ['A'], period: 60,
                                                                                      threshold: 5], types).args)
        assertEquals(60, pluginArgs.coerce([period: '60.0'], types).args.period)

        def bad = pluginArgs.coerce([period: 'sixty', threshold: '5%', dryRun: 'yes'], types)
        assertEquals(["period 'sixty': is not a whole number; give a whole number, e.g. 60",
                      "threshold '5%': is not a number; give a number, e.g. 5 or 0.5",
                      "dryRun 'yes': is not true or false; give true or false"], bad.problems)
    }
}
