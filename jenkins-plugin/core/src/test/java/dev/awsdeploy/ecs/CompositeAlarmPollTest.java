package dev.awsdeploy.ecs;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.awsdeploy.cloudwatch.AlarmGate;
import dev.awsdeploy.testing.AwsClients;
import dev.awsdeploy.testing.AwsFront;
import dev.awsdeploy.testing.MotoServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;

/**
 * The bake's poll eases off to half the shortest watched alarm period; a composite alarm's period is read from
 * the alarms its rule names, down the levels. The metric alarms live in moto; moto 5.2.1 has no composite alarms
 * (PutCompositeAlarm is not implemented, and PutMetricAlarm ignores an AlarmRule), so WireMock in front answers
 * DescribeAlarms for the composites, in CloudWatch's Query-protocol XML, and passes every other call to moto.
 */
class CompositeAlarmPollTest {
    private static final String REGION = "eu-west-1";
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    AwsFront front = new AwsFront(moto);

    @BeforeEach
    void metricAlarmsInMoto() {
        try (CloudWatchClient cw = AwsClients.cloudWatch(moto.url(), REGION)) {
            for (var alarm : List.of(List.of("PaymentErrors", 300), List.of("SearchLatency", 60),
                    List.of("OrderRate", 300))) {
                cw.putMetricAlarm(r -> r.alarmName((String) alarm.get(0)).namespace("MyApp")
                        .metricName((String) alarm.get(0)).statistic(Statistic.AVERAGE).period((Integer) alarm.get(1))
                        .evaluationPeriods(1).threshold(1.0)
                        .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD));
            }
        }
    }

    /** DescribeAlarms for exactly these names answers these composite alarms (name, rule). */
    private void composites(List<String> asked, String... nameAndRule) {
        StringBuilder members = new StringBuilder();
        for (int i = 0; i < nameAndRule.length; i += 2) {
            members.append("<member><AlarmName>").append(nameAndRule[i]).append("</AlarmName><AlarmArn>arn:aws:")
                    .append("cloudwatch:").append(REGION).append(":123456789012:alarm:").append(nameAndRule[i])
                    .append("</AlarmArn><AlarmRule>").append(xml(nameAndRule[i + 1])).append("</AlarmRule>")
                    .append("<StateValue>OK</StateValue></member>");
        }
        var stub = AwsFront.operation("DescribeAlarms").atPriority(1);
        for (int i = 0; i < asked.size(); i++) {
            stub = stub.withRequestBody(containing("AlarmNames.member." + (i + 1) + "=" + asked.get(i) + "&"));
        }
        front.wiremock().stubFor(stub.willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/xml")
                .withBody("<DescribeAlarmsResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">"
                        + "<DescribeAlarmsResult><CompositeAlarms>" + members + "</CompositeAlarms><MetricAlarms/>"
                        + "</DescribeAlarmsResult><ResponseMetadata><RequestId>composite</RequestId>"
                        + "</ResponseMetadata></DescribeAlarmsResponse>")));
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private int describeCalls() {
        return front.wiremock().findAll(anyRequestedFor(anyUrl())
                .withRequestBody(containing("Action=DescribeAlarms"))).size();
    }

    @Test
    void aCompositeAlarmsPeriodIsItsShortestChildsFollowedDownTheLevels() {
        composites(List.of("Checkout"), "Checkout", "ALARM(\"Payments\") OR (ALARM(Search) AND NOT OK(Payments))");
        composites(List.of("Payments", "Search"),
                "Payments", "ALARM(\"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:PaymentErrors\")",
                "Search", "INSUFFICIENT_DATA( \"SearchLatency\" ) OR ALARM(OrderRate)");

        try (CloudWatchClient cw = AwsClients.cloudWatch(front.url(), REGION)) {
            assertEquals(Duration.ofSeconds(60), AlarmGate.shortestPeriod(cw, List.of("Checkout")));
            assertEquals(3, describeCalls(), "one DescribeAlarms per level: Checkout; Payments, Search; leaves");
            // Before, a composite counted as 10 s: the bake looked every 5 s. Its 60-s child allows 30 s.
            assertEquals(Duration.ofSeconds(30), EcsBlueGreen.calmPoll(cw, List.of("Checkout")));
        }
    }

    @Test
    void aCompositeOfSlowAlarmsLetsTheBakeLookEveryThirtySeconds() {
        composites(List.of("Orders"), "Orders", "ALARM(PaymentErrors) OR ALARM(\"OrderRate\")");

        try (CloudWatchClient cw = AwsClients.cloudWatch(front.url(), REGION)) {
            assertEquals(Duration.ofSeconds(300), AlarmGate.shortestPeriod(cw, List.of("Orders")));
            assertEquals(Duration.ofSeconds(30), EcsBlueGreen.calmPoll(cw, List.of("Orders")));
        }
    }

    @Test
    void aChildThatCannotBeFoundCountsAsTenSeconds() {
        composites(List.of("Orders"), "Orders", "ALARM(PaymentErrors) OR ALARM(DeletedLongAgo)");

        try (CloudWatchClient cw = AwsClients.cloudWatch(front.url(), REGION)) {
            assertEquals(Duration.ofSeconds(10), AlarmGate.shortestPeriod(cw, List.of("Orders")));
            assertEquals(Duration.ofSeconds(5), EcsBlueGreen.calmPoll(cw, List.of("Orders")));
        }
    }

    @Test
    void compositesNestedDeeperThanTheBoundCountAsTenSecondsAfterFiveLooks() {
        List<String> chain = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            chain.add("Level" + i);
        }
        for (int i = 0; i < chain.size() - 1; i++) {
            composites(List.of(chain.get(i)), chain.get(i), "ALARM(" + chain.get(i + 1) + ")");
        }

        try (CloudWatchClient cw = AwsClients.cloudWatch(front.url(), REGION)) {
            assertEquals(Duration.ofSeconds(10), AlarmGate.shortestPeriod(cw, List.of("Level0")));
            assertEquals(5, describeCalls());
        }
    }

    @Test
    void metricAlarmsAloneAreReadInOneCallAndNoAlarmsHaveNoPeriod() {
        try (CloudWatchClient cw = AwsClients.cloudWatch(front.url(), REGION)) {
            assertEquals(Duration.ofSeconds(60), AlarmGate.shortestPeriod(cw, List.of("PaymentErrors",
                    "SearchLatency")));
            assertEquals(1, describeCalls());
            assertNull(AlarmGate.shortestPeriod(cw, List.of()));
            assertEquals(1, describeCalls());
        }
    }
}
