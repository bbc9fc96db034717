package dev.awsdeploy.cloudwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.AwsClients;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.Repo;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;

/** Given moto, when alarms are put as code, then CloudWatch holds exactly the definition and the user is told. */
class AlarmPutTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();

    private final Cli cli = new Cli(moto.url()).env("AWS_REGION", "ap-northeast-2");
    private static final String FILE = Repo.path("resources/alarms/high-error-rate.json");

    static MetricAlarm alarm(String endpoint, String name) {
        try (CloudWatchClient cw = AwsClients.cloudWatch(endpoint, "ap-northeast-2")) {
            List<MetricAlarm> found = cw.describeAlarms(r -> r.alarmNames(name)).metricAlarms();
            return found.isEmpty() ? null : found.get(0);
        }
    }

    @Test
    void theSourceDocumentsFileCreatesTheAlarmWithItsKoreanDescriptionIntact() throws Exception {
        Cli.Run r = cli.run("cloudwatch-alarm", "put", "--file", FILE, "--output", "json");

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = Json.MAPPER.readTree(r.out());
        assertEquals("created", result.path("status").asText());
        assertEquals("HighErrorRate", result.path("alarmName").asText());
        MetricAlarm a = alarm(moto.url(), "HighErrorRate");
        assertEquals("API 에러율이 5%를 초과했을 때", a.alarmDescription());
        assertEquals("ErrorRate", a.metricName());
        assertEquals("AWS/ApplicationELB", a.namespace());
        assertEquals(300, a.period());
        assertEquals(2, a.evaluationPeriods());
        assertEquals(5.0, a.threshold());
        assertEquals("GreaterThanThreshold", a.comparisonOperatorAsString());
        assertEquals(List.of("arn:aws:sns:ap-northeast-2:123456789012:emergency-alerts"), a.alarmActions());
        assertEquals("app/myapp-alb/50dc6c495c0c9188", a.dimensions().get(0).value());
        assertTrue(r.err().contains("Created alarm HighErrorRate"), r.err());
        assertTrue(r.err().contains("AWS account 123456789012"), r.err());
    }

    @Test
    void reputtingTheSameDefinitionIsUnchangedAndWritesNothing() throws Exception {
        assertEquals(0, cli.run("cloudwatch-alarm", "put", "--file", FILE).exit());
        moto.startCounting();

        Cli.Run r = cli.run("cloudwatch-alarm", "put", "--file", FILE, "--output", "json");

        assertEquals(0, r.exit(), r.toString());
        assertEquals("unchanged", Json.MAPPER.readTree(r.out()).path("status").asText());
        assertEquals(List.of(), moto.mutatingRequests());
        assertTrue(r.err().contains("already matches the definition: unchanged"), r.err());
    }

    @Test
    void aChangedThresholdIsAnUpdateThatNamesWhatChanged() throws Exception {
        assertEquals(0, cli.run("cloudwatch-alarm", "put", "--file", FILE).exit());

        Cli.Run r = cli.run("cloudwatch-alarm", "put", "--file", FILE, "--threshold", "7.5", "--output", "json");

        assertEquals(0, r.exit(), r.toString());
        JsonNode result = Json.MAPPER.readTree(r.out());
        assertEquals("updated", result.path("status").asText());
        assertEquals("[\"Threshold\"]", result.path("changed").toString());
        assertEquals(7.5, alarm(moto.url(), "HighErrorRate").threshold());
        assertEquals("API 에러율이 5%를 초과했을 때", alarm(moto.url(), "HighErrorRate").alarmDescription());
    }

    @Test
    void anAlarmFromParametersAloneIsCreatedWithTheirValues() {
        Cli.Run r = cli.run("cloudwatch-alarm", "put", "--alarm-name", "Latency", "--metric-name", "TargetResponseTime",
                "--namespace", "AWS/ApplicationELB", "--extended-statistic", "p99", "--period", "60",
                "--evaluation-periods", "3", "--datapoints-to-alarm", "2", "--threshold", "1.5",
                "--comparison-operator", "GreaterThanOrEqualToThreshold", "--treat-missing-data", "notBreaching",
                "--dimensions", "LoadBalancer=app/a/1,TargetGroup=targetgroup/b/2",
                "--ok-actions", "arn:aws:sns:ap-northeast-2:123456789012:ok");

        assertEquals(0, r.exit(), r.toString());
        MetricAlarm a = alarm(moto.url(), "Latency");
        assertEquals("p99", a.extendedStatistic());
        assertEquals(2, a.datapointsToAlarm());
        assertEquals("notBreaching", a.treatMissingData());
        assertEquals(2, a.dimensions().size());
        assertEquals(List.of("arn:aws:sns:ap-northeast-2:123456789012:ok"), a.okActions());
        assertTrue(r.out().contains("SUCCEEDED: alarm Latency created"), r.out());
    }

    @Test
    void aDryRunReportsThePlanAndChangesNothing() throws Exception {
        Cli.Run r = cli.run("cloudwatch-alarm", "put", "--file", FILE, "--dry-run", "--output", "json");

        assertEquals(0, r.exit(), r.toString());
        assertEquals("would-be-created", Json.MAPPER.readTree(r.out()).path("status").asText());
        assertEquals(null, alarm(moto.url(), "HighErrorRate"));
        assertEquals(List.of(), moto.mutatingRequests());
    }

    @Test
    void deleteRemovesTheAlarmAndAMissingAlarmIsAlreadyGone() throws Exception {
        assertEquals(0, cli.run("cloudwatch-alarm", "put", "--file", FILE).exit());

        Cli.Run first = cli.run("cloudwatch-alarm", "delete", "--alarm-name", "HighErrorRate", "--output", "json");
        Cli.Run second = cli.run("cloudwatch-alarm", "delete", "--alarm-name", "HighErrorRate", "--output", "json");

        assertEquals(0, first.exit(), first.toString());
        assertEquals("deleted", Json.MAPPER.readTree(first.out()).path("status").asText());
        assertEquals(null, alarm(moto.url(), "HighErrorRate"));
        assertEquals(0, second.exit(), second.toString());
        assertEquals("absent", Json.MAPPER.readTree(second.out()).path("status").asText());
        assertTrue(second.err().contains("does not exist: nothing to delete"), second.err());
    }
}
