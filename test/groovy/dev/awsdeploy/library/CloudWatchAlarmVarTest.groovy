package dev.awsdeploy.library

import static org.junit.Assert.assertEquals
import static org.junit.Assert.assertFalse
import static org.junit.Assert.assertTrue
import static org.junit.Assert.fail

import dev.awsdeploy.cloudwatch.CloudWatchAlarm
import dev.awsdeploy.testing.AwsClients
import dev.awsdeploy.testing.MotoServer
import dev.awsdeploy.testing.Repo
import java.nio.file.Files
import java.nio.file.Path
import org.junit.Before
import org.junit.Test
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm

/** The cloudWatchAlarm var under the CPS interpreter, running the real CLI against moto. */
class CloudWatchAlarmVarTest extends LibraryPipelineTest {
    static MotoServer moto = MotoServer.shared()

    @Before
    void setUp() {
        setUpLibrary()
        moto.reset()
        env.AWS_ENDPOINT_URL = moto.url()
        env.AWS_REGION = 'ap-northeast-2'
        env.AWS_DEPLOY_CREDENTIALS_ID = 'aws-prod'
        binding.setVariable('ALARM_FILE', Repo.path('resources/alarms/high-error-rate.json'))
    }

    private MetricAlarm alarm(String name) {
        CloudWatchClient cw = AwsClients.cloudWatch(moto.url(), 'ap-northeast-2')
        try {
            List<MetricAlarm> found = cw.describeAlarms { it.alarmNames(name) }.metricAlarms()
            return found ? found[0] : null
        } finally {
            cw.close()
        }
    }

    @Test
    void putTwiceThenGateFailsTheBuildWhenTheAlarmFires() {
        Map results = [:]
        binding.setVariable('results', results)
        helper.registerAllowedMethod('setAlarmState', [String, String]) { String name, String state ->
            moto.setAlarmState('ap-northeast-2', name, state)
        }

        try {
            runScript('alarms.jenkins')
            fail('the gate should have failed the build')
        } catch (LibraryPipelineTest.PipelineError e) {
            assertTrue(e.message, e.message.startsWith('cloudWatchAlarm wait: failed: alarm fired: HighErrorRate is ALARM'))
        }

        assertEquals('created', results.first.status)
        assertEquals('unchanged', results.second.status)
        assertEquals('published', results.metric.status)
        assertEquals('API 에러율이 5%를 초과했을 때', alarm('HighErrorRate').alarmDescription())
        assertEquals(['aws-prod'] * 4, credentialsUsed)
        assertTrue(commands[0].contains("cloudwatch-alarm put --file '"))
        assertTrue(commands[0].contains("--region 'ap-northeast-2'"))
        assertFalse('credentialsId is for Jenkins, not the CLI', commands.any { it.contains('credentials-id') })
        assertTrue(log.toString(), log.contains('Created alarm HighErrorRate'))
        assertTrue(log.toString(), log.contains('Gate failed: HighErrorRate is ALARM'))
        assertFalse(log.contains(ACCESS_KEY))
        assertFalse(log.contains(SECRET_KEY))
    }

    @Test
    void anUnknownKeyFailsInTheVarNamingItAndTheCloseSpelling() {
        try {
            runScript('alarm-typo.jenkins')
            fail('expected an error')
        } catch (LibraryPipelineTest.PipelineError e) {
            assertEquals("cloudWatchAlarm put: unknown parameter 'treshold': did you mean 'threshold'?", e.message)
        }
        assertEquals([], commands)
    }

    @Test
    void aMissingRequiredParameterFailsWithTheEnginesMessageAndChangesNothing() {
        moto.startCounting()
        try {
            runScript('alarm-missing.jenkins')
            fail('expected an error')
        } catch (LibraryPipelineTest.PipelineError e) {
            assertTrue(e.message, e.message.startsWith('cloudWatchAlarm put: bad input: '))
            assertTrue(e.message, e.message.contains('evaluationPeriods: is required'))
            assertTrue(e.message, e.message.contains('comparisonOperator: is required'))
        }
        assertEquals([], moto.mutatingRequests())
    }

    @Test
    void aMissingCliIsAClearErrorWithTheFix() {
        env.AWS_DEPLOY_CLI = '/nonexistent/aws-deploy'
        try {
            runScript('alarm-delete.jenkins')
            fail('expected an error')
        } catch (LibraryPipelineTest.PipelineError e) {
            assertTrue(e.message, e.message.contains("the aws-deploy CLI '/nonexistent/aws-deploy' was not found"))
            assertTrue(e.message, e.message.contains('set AWS_DEPLOY_CLI'))
        }
    }

    @Test
    void theVarsParametersAreExactlyTheEnginesParameters() {
        Script var = loadScript(Repo.path('vars/cloudWatchAlarm.groovy'))
        Map<String, List<String>> declared = var.PARAMETERS
        Map<String, String> cli = var.CLI
        CloudWatchAlarm.ACTIONS.each { d ->
            assertEquals(d.action(), d.params()*.name(), declared[d.action()])
            assertEquals(d.action(), d.cliPath(), cli[d.action()])
        }
        assertEquals(CloudWatchAlarm.ACTIONS*.action() as Set, declared.keySet())
    }

    /** Through the real CLI the step's report lands beside its record in the workspace: result.report. */
    @Test
    void theResultNamesTheReportWrittenBesideTheRecordInTheWorkspace() {
        Map results = [:]
        binding.setVariable('results', results)

        runScript('report.jenkins')

        Map metric = results.metric as Map
        assertEquals('published', metric.status)
        String report = metric.report as String
        assertTrue(report, report ==~ /\.aws-deploy\/[0-9a-f-]{36}-report\.html/)
        assertEquals(report.replace('-report.html', '-record.json'), metric.record)
        Path page = workspace.resolve(report)
        String html = Files.readString(page)
        assertTrue(html, html.contains('<h1>cloudWatchAlarm putMetric <span class="verdict verdict-succeeded">'))
        assertTrue(html.contains('CloudWatch.PutMetricData'))
        assertTrue('the stylesheet the page links to is beside it',
                Files.exists(page.resolveSibling('aws-deploy-report.css')))
        assertTrue(commands[0], commands[0].contains("--report '${report}'"))
        assertFalse(html.contains(SECRET_KEY))
        assertFalse(html.contains(ACCESS_KEY))
        CloudWatchClient cw = AwsClients.cloudWatch(moto.url(), 'ap-northeast-2')
        try {
            assertTrue('the metric reached CloudWatch', cw.listMetrics { it.namespace('MyApp/Business') }.metrics()
                    .any { it.metricName() == 'OrderCount' })
        } finally {
            cw.close()
        }
    }
}
