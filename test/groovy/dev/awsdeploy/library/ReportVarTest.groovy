package dev.awsdeploy.library

import static org.junit.Assert.assertEquals
import static org.junit.Assert.assertFalse
import static org.junit.Assert.assertTrue

import dev.awsdeploy.testing.AwsClients
import dev.awsdeploy.testing.MotoServer
import java.nio.file.Files
import java.nio.file.Path
import org.junit.Before
import org.junit.Test
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient

/** A var run through the real CLI writes the step's report beside its record and returns it as result.report. */
class ReportVarTest extends LibraryPipelineTest {
    static MotoServer moto = MotoServer.shared()

    @Before
    void setUp() {
        setUpLibrary()
        moto.reset()
        env.AWS_ENDPOINT_URL = moto.url()
        env.AWS_REGION = 'ap-northeast-2'
        env.AWS_DEPLOY_CREDENTIALS_ID = 'aws-prod'
    }

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
