package dev.awsdeploy.library

import static org.junit.Assert.assertEquals
import static org.junit.Assert.assertFalse
import static org.junit.Assert.assertTrue

import dev.awsdeploy.Steps
import dev.awsdeploy.run.Param
import dev.awsdeploy.run.StepDefinition
import java.util.concurrent.TimeUnit
import org.junit.After
import org.junit.Test

/**
 * Every command of the real bin/aws-deploy prints its --help cleanly: no picocli warning (descriptions are built
 * from the step definitions, whose text holds '%' and could hold '${'), each parameter's flag and description as
 * written, and how list flags are given.
 */
class CliHelpTest {
    CliProcesses processes = new CliProcesses([AWS_DEPLOY_CDS: '0'])

    @After
    void tearDown() {
        processes.close()
    }

    /** The root, every group (cloudwatch-alarm) and every command (cloudwatch-alarm put, ecs-blue-green, ...). */
    private static List<String> commandPaths() {
        Set<String> paths = [''] as LinkedHashSet
        for (StepDefinition d : Steps.all()) {
            List<String> words = d.cliPath().split(' ') as List
            (1..words.size()).each { paths << words.subList(0, it).join(' ') }
        }
        return paths as List
    }

    private Map<String, String> help(String path) {
        Process p = processes.run((path ? path.split(' ') as List : []) + ['--help'])
        assertTrue("aws-deploy ${path} --help ends", p.waitFor(60, TimeUnit.SECONDS))
        return [exit: p.exitValue() as String, out: processes.latest('out'), err: processes.latest('err')]
    }

    @Test
    void noHelpOfAnyCommandPrintsAWarning() {
        List<String> paths = commandPaths()
        assertTrue(paths.toString(), paths.containsAll(['', 'cloudwatch-alarm', 'cloudwatch-alarm put',
                'ecs-blue-green', 'ecr-push', 'code-deploy-rolling']))
        paths.each { String path ->
            Map<String, String> h = help(path)
            String label = "aws-deploy ${path} --help:\n${h.out}\n${h.err}"
            assertEquals(label, '0', h.exit)
            assertFalse(label, (h.out + h.err).contains('picocli'))
            assertEquals(label, '', h.err.trim())
            assertTrue(label, h.out.startsWith("Usage: aws-deploy${path ? ' ' + path : ''}"))
        }
    }

    @Test
    void everyFlagAndItsDescriptionArePrintedAsWritten() {
        StepDefinition bg = Steps.all().find { it.cliPath() == 'ecs-blue-green' }
        // Compared without white space: picocli wraps descriptions at 80 columns.
        String out = squeezed(help('ecs-blue-green').out)
        bg.allParams().each { Param p ->
            assertTrue(p.flag(), out.contains(p.flag()))
            assertTrue(p.help(), out.contains(squeezed(p.help())))
        }
        assertTrue(out, out.contains(squeezed('how long the alarms are watched at 100 %; default 5m')))
        assertTrue(out, out.contains('--alarms=A,B'))
        assertTrue(out, out.contains(squeezed('(a list: A,B or the flag once per item)')))
        assertTrue(squeezed(help('').out).contains(squeezed('--alarms A,B or --alarms A --alarms B')))
    }

    private static String squeezed(String s) {
        return s.replaceAll(/\s+/, '')
    }
}
