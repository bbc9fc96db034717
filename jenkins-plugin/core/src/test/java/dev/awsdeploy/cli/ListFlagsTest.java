package dev.awsdeploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.awsdeploy.testing.AwsClients;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.MotoServer;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;

/**
 * A list flag is a comma-separated list, or the flag repeated once per item; repeated, an item keeps its commas.
 * Given moto, the alarm CloudWatch holds afterwards has exactly the dimensions written.
 */
class ListFlagsTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();

    private final Cli cli = new Cli(moto.url());

    private Cli.Run put(String... dimensions) {
        List<String> args = Cli.args("cloudwatch-alarm", "put", "--alarm-name", "Latency", "--namespace", "MyApp",
                "--metric-name", "Latency", "--statistic", "Average", "--period", "60", "--evaluation-periods", "1",
                "--threshold", "1", "--comparison-operator", "GreaterThanThreshold");
        args.addAll(List.of(dimensions));
        return cli.run(args);
    }

    private static List<String> dimensions() {
        try (CloudWatchClient cw = AwsClients.cloudWatch(moto.url(), "eu-west-1")) {
            MetricAlarm a = cw.describeAlarms(r -> r.alarmNames("Latency")).metricAlarms().get(0);
            return a.dimensions().stream().map(d -> d.name() + "=" + d.value()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void aRepeatedFlagGivesOneItemPerOccurrenceAndAnItemMayHoldAComma() {
        Cli.Run r = put("--dimensions", "Route=GET /orders,/carts", "--dimensions", "Stage=prod");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("Route=GET /orders,/carts", "Stage=prod"), dimensions());
        assertTrue(r.err().contains("Created alarm Latency"), r.err());
    }

    @Test
    void aFlagGivenOnceIsACommaSeparatedList() {
        Cli.Run r = put("--dimensions", "Route=orders, Stage=prod");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("Route=orders", "Stage=prod"), dimensions());
    }

    @Test
    void aRepeatedFlagWithABadItemNamesThatItemAndChangesNothing() {
        moto.startCounting();

        Cli.Run r = put("--dimensions", "Stage=prod", "--dimensions", "Route");

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("dimensions 'Route': is not Name=Value"), r.err());
        assertEquals(List.of(), moto.mutatingRequests());
    }
}
