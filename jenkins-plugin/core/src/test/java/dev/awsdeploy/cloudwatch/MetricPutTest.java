package dev.awsdeploy.cloudwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.awsdeploy.testing.AwsClients;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.MotoServer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.GetMetricDataResponse;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;

/** The source document's custom business metrics, published and read back from CloudWatch. */
class MetricPutTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();

    private final Cli cli = new Cli(moto.url()).env("AWS_REGION", "ap-northeast-2");

    private double sum(String metric, Instant at) {
        try (CloudWatchClient cw = AwsClients.cloudWatch(moto.url(), "ap-northeast-2")) {
            GetMetricDataResponse r = cw.getMetricData(b -> b.startTime(at.minusSeconds(600)).endTime(at.plusSeconds(600))
                    .metricDataQueries(MetricDataQuery.builder().id("m").metricStat(s -> s.stat("Sum").period(60)
                            .metric(m -> m.namespace("MyApp/Business").metricName(metric)
                                    .dimensions(Dimension.builder().name("Environment").value("production").build())))
                            .build()));
            return r.metricDataResults().get(0).values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    @Test
    void orderCountAndRevenueArePublishedWithTheirUnitsDimensionsAndTimestamp() {
        Instant at = Instant.now().truncatedTo(ChronoUnit.MINUTES).minusSeconds(120);

        Cli.Run orders = cli.run("cloudwatch-alarm", "put-metric", "--namespace", "MyApp/Business", "--metric-name",
                "OrderCount", "--value", "150", "--unit", "Count", "--dimensions", "Environment=production",
                "--timestamp", at.toString());
        Cli.Run revenue = cli.run("cloudwatch-alarm", "put-metric", "--namespace", "MyApp/Business", "--metric-name",
                "Revenue", "--value", "50000", "--unit", "None", "--dimensions", "Environment=production",
                "--timestamp", at.toString());

        assertEquals(0, orders.exit(), orders.toString());
        assertEquals(0, revenue.exit(), revenue.toString());
        assertEquals(150.0, sum("OrderCount", at));
        assertEquals(50000.0, sum("Revenue", at));
        assertTrue(orders.out().contains("published MyApp/Business OrderCount = 150 Count"), orders.out());
        assertEquals(List.of("PutMetricData", "PutMetricData"),
                moto.mutatingRequests().stream().map(MotoServer.Request::operation).toList());
    }
}
