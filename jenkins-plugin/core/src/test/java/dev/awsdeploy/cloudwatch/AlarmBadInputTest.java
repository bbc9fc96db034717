package dev.awsdeploy.cloudwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input never reaches AWS as a change: each case ends with exit 2, a message naming the parameter (and what
 * to do), and not one mutating request at moto.
 */
class AlarmBadInputTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();

    @TempDir
    static Path dir;

    private static final String FILE = Repo.path("resources/alarms/high-error-rate.json");

    static String file(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p.toString();
    }

    static List<String> put(String... extra) {
        List<String> a = new ArrayList<>(List.of("cloudwatch-alarm", "put", "--alarm-name", "Errors",
                "--metric-name", "ErrorRate", "--namespace", "MyApp", "--statistic", "Average", "--period", "60",
                "--evaluation-periods", "2", "--threshold", "5", "--comparison-operator", "GreaterThanThreshold"));
        for (int i = 0; i < extra.length; i += 2) {
            int at = a.indexOf(extra[i]);
            if (at >= 0) {
                a.set(at + 1, extra[i + 1]);
            } else {
                a.add(extra[i]);
                a.add(extra[i + 1]);
            }
        }
        return a;
    }

    static Stream<Arguments> cases() throws IOException {
        return Stream.of(
                Arguments.of("comparison operator 'Greater'", put("--comparison-operator", "Greater"),
                        "comparisonOperator 'Greater': is not a comparison operator", null),
                Arguments.of("period 45", put("--period", "45"),
                        "period '45': must be 10, 20, 30 or a multiple of 60 seconds", null),
                Arguments.of("evaluation periods -1", put("--evaluation-periods", "-1"),
                        "evaluationPeriods '-1': must be at least 1", null),
                Arguments.of("malformed JSON with line and column",
                        List.of("cloudwatch-alarm", "put", "--file", file("broken.json",
                                "{\n  \"AlarmName\": \"X\",\n  \"Period\": 60\n  \"Threshold\": 5\n}")),
                        "is not valid JSON at line 4, column 3", null),
                Arguments.of("misspelt key Treshold in the file",
                        List.of("cloudwatch-alarm", "put", "--file", file("typo.json",
                                Files.readString(Path.of(FILE)).replace("\"Threshold\"", "\"Treshold\""))),
                        "unknown field 'Treshold'; did you mean 'Threshold'?", null),
                Arguments.of("misspelt flag --treshold", put("--treshold", "5"), "--treshold", null),
                Arguments.of("no region", List.of("cloudwatch-alarm", "put", "--file", FILE),
                        "region: no AWS region given; pass region (--region) or set AWS_REGION", "no-region"),
                Arguments.of("not a region", List.of("cloudwatch-alarm", "put", "--file", FILE, "--region", "Seoul"),
                        "region 'Seoul': is not an AWS region name", null),
                Arguments.of("no credentials", List.of("cloudwatch-alarm", "put", "--file", FILE),
                        "credentials: no AWS credentials found", "no-credentials"),
                Arguments.of("a waited alarm that does not exist",
                        List.of("cloudwatch-alarm", "wait", "--alarms", "NoSuchAlarm", "--duration", "1m"),
                        "alarms 'NoSuchAlarm': no such alarm in this account and region", null),
                Arguments.of("duration '5 minutes'",
                        List.of("cloudwatch-alarm", "wait", "--alarms", "HighErrorRate", "--duration", "5 minutes"),
                        "duration '5 minutes': is not a duration; write it like 90s, 5m", null),
                Arguments.of("statistic Avg", put("--statistic", "Avg"), "statistic 'Avg': is not a CloudWatch "
                        + "statistic", null),
                Arguments.of("treat missing data 'skip'", put("--treat-missing-data", "skip"),
                        "treatMissingData 'skip': is not a missing-data policy", null),
                Arguments.of("no alarm name", List.of("cloudwatch-alarm", "put", "--metric-name", "M", "--namespace",
                        "N", "--statistic", "Sum", "--period", "60", "--evaluation-periods", "1", "--threshold", "1",
                        "--comparison-operator", "GreaterThanThreshold"), "alarmName: is required", null),
                Arguments.of("statistic and extended statistic", put("--extended-statistic", "p99"),
                        "extendedStatistic 'p99': cannot be given together with statistic", null),
                Arguments.of("dimension without =", put("--dimensions", "LoadBalancer"),
                        "dimensions 'LoadBalancer': is not Name=Value", null),
                Arguments.of("alarm action that is not an ARN", put("--alarm-actions", "emergency-alerts"),
                        "alarmActions 'emergency-alerts': is not an action ARN", null),
                Arguments.of("datapoints above evaluation periods", put("--datapoints-to-alarm", "3"),
                        "datapointsToAlarm '3': must be between 1 and evaluationPeriods", null),
                Arguments.of("threshold not a number", put("--threshold", "five"),
                        "threshold 'five': is not a number", null),
                Arguments.of("Period as text in the file",
                        List.of("cloudwatch-alarm", "put", "--file", file("period.json",
                                Files.readString(Path.of(FILE)).replace("300", "\"five minutes\""))),
                        "field 'Period' (\"five minutes\") must be a whole number", null),
                Arguments.of("file that does not exist",
                        List.of("cloudwatch-alarm", "put", "--file", "/nonexistent/alarm.json"),
                        "file '/nonexistent/alarm.json': file not found", null),
                Arguments.of("metric in the reserved AWS/ namespace",
                        List.of("cloudwatch-alarm", "put-metric", "--namespace", "AWS/ECS", "--metric-name", "M",
                                "--value", "1"), "namespace 'AWS/ECS': uses the AWS/ prefix AWS reserves", null),
                Arguments.of("metric value missing",
                        List.of("cloudwatch-alarm", "put-metric", "--namespace", "MyApp/Business", "--metric-name",
                                "OrderCount"), "value: is required", null),
                Arguments.of("insufficient-data policy 'maybe'",
                        List.of("cloudwatch-alarm", "wait", "--alarms", "HighErrorRate",
                                "--treat-insufficient-data-as", "maybe"),
                        "treatInsufficientDataAs 'maybe': is not one of ok, alarm, wait", null),
                Arguments.of("until GREEN",
                        List.of("cloudwatch-alarm", "wait", "--alarms", "HighErrorRate", "--until", "GREEN"),
                        "until 'GREEN': is not one of OK, ALARM, INSUFFICIENT_DATA", null),
                Arguments.of("role ARN that is not one", put("--role-arn", "deployer"),
                        "roleArn 'deployer': is not an IAM role ARN", null),
                Arguments.of("delete without a name", List.of("cloudwatch-alarm", "delete"),
                        "alarmName: is required", null));
    }

    @BeforeEach
    void anExistingAlarm() {
        Cli.Run r = new Cli(moto.url()).env("AWS_REGION", "ap-northeast-2")
                .run("cloudwatch-alarm", "put", "--file", FILE);
        assertEquals(0, r.exit(), r.toString());
        moto.startCounting();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInputExitsTwoNamingTheParameterAndChangesNothing(String name, List<String> args, String expected,
                                                             String variant) throws Exception {
        Cli cli = new Cli(moto.url()).env("AWS_REGION", "ap-northeast-2");
        if ("no-region".equals(variant)) {
            cli.env("AWS_REGION", null);
        }
        if ("no-credentials".equals(variant)) {
            cli.env("AWS_ACCESS_KEY_ID", null).env("AWS_SECRET_ACCESS_KEY", null);
        }
        List<String> withJson = new ArrayList<>(args);
        withJson.add("--output");
        withJson.add("json");

        Cli.Run r = cli.run(withJson);

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in:\n" + r.err());
        assertEquals(List.of(), moto.mutatingRequests(), "no mutating request may reach AWS");
        if (!r.out().isBlank()) {
            JsonNode result = Json.MAPPER.readTree(r.out());
            assertEquals("BAD_INPUT", result.path("outcome").asText());
            assertTrue(result.path("problems").size() >= 1);
        }
    }
}
