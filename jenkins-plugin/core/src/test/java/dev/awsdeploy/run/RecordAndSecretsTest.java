package dev.awsdeploy.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.testing.AwsFront;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What a run leaves behind: a complete record, and never a secret anywhere. */
class RecordAndSecretsTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();

    @RegisterExtension
    AwsFront front = new AwsFront(moto);

    private static final String ACCESS_KEY = "FAKEACCESSKEYLEAKPROBE";
    private static final String SECRET_KEY = "fake/secret/key/leak/probe/0123456789";
    private static final String SESSION_TOKEN = "FakeSessionTokenLeakProbe//////AAAAAAAAAAAAAAAAAAAAAAAA";
    private static final String FILE = Repo.path("resources/alarms/high-error-rate.json");

    @Test
    void theRecordHoldsInputsIdentityActionsCallsAndOutcome(@TempDir Path dir) throws Exception {
        Path record = dir.resolve("record.json");
        Cli cli = new Cli(moto.url()).env("AWS_REGION", "ap-northeast-2");

        Cli.Run r = cli.run("cloudwatch-alarm", "put", "--file", FILE, "--threshold", "6", "--record",
                record.toString());

        assertEquals(0, r.exit(), r.toString());
        JsonNode rec = dev.awsdeploy.run.Json.MAPPER.readTree(Files.readString(record));
        assertEquals("cloudWatchAlarm", rec.path("step").asText());
        assertEquals("put", rec.path("action").asText());
        assertEquals("SUCCEEDED", rec.path("outcome").asText());
        assertEquals(FILE, rec.path("inputs").path("file").asText());
        assertEquals("6", rec.path("inputs").path("threshold").asText());
        assertEquals("123456789012", rec.path("identity").path("account").asText());
        assertEquals("PutMetricAlarm", rec.path("actions").get(0).path("action").asText());
        assertTrue(rec.path("actions").get(0).path("at").asText().endsWith("Z"));
        assertEquals(1, rec.path("apiCalls").path("CloudWatch.PutMetricAlarm").asInt());
        assertEquals(1, rec.path("apiCalls").path("CloudWatch.DescribeAlarms").asInt());
        assertEquals(6.0, rec.path("after").path("alarm").path("Threshold").asDouble());
        assertEquals("created", rec.path("result").path("status").asText());
    }

    @Test
    void noKeyOrTokenAppearsInAnyOutputRecordOrError(@TempDir Path dir) throws Exception {
        Cli cli = new Cli(front.url()).env("AWS_REGION", "ap-northeast-2").env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
                .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY).env("AWS_SESSION_TOKEN", SESSION_TOKEN)
                .env("AWS_MAX_ATTEMPTS", "2").clock(new FakeClock());
        List<Cli.Run> runs = new ArrayList<>();
        List<Path> records = new ArrayList<>();
        for (String[] args : new String[][] {
                {"cloudwatch-alarm", "put", "--file", FILE},
                {"cloudwatch-alarm", "put", "--file", FILE, "--period", "45"},
                {"cloudwatch-alarm", "wait", "--alarms", "HighErrorRate", "--duration", "1m"},
                {"cloudwatch-alarm", "put-metric", "--namespace", "MyApp/Business", "--metric-name", "OrderCount",
                        "--value", "150", "--unit", "Count"},
                {"cloudwatch-alarm", "delete", "--alarm-name", "HighErrorRate", "--dry-run"}}) {
            Path record = dir.resolve("record-" + runs.size() + ".json");
            records.add(record);
            List<String> a = new ArrayList<>(List.of(args));
            a.addAll(List.of("--output", "json", "--record", record.toString()));
            runs.add(cli.run(a));
            if (runs.size() == 1) {
                moto.setAlarmState("ap-northeast-2", "HighErrorRate", "ALARM");
            }
        }
        front.serverError("DeleteAlarms");
        Path failedRecord = dir.resolve("record-failed.json");
        records.add(failedRecord);
        runs.add(cli.run("cloudwatch-alarm", "delete", "--alarm-name", "HighErrorRate", "--record",
                failedRecord.toString()));

        assertEquals(List.of(0, 2, 3, 0, 0, 1), runs.stream().map(Cli.Run::exit).toList(), runs.toString());
        List<String> everything = new ArrayList<>();
        runs.forEach(r -> everything.add(r.all()));
        for (Path p : records) {
            if (Files.exists(p)) {
                everything.add(Files.readString(p));
            }
        }
        assertTrue(everything.size() >= 10, "records were written");
        for (String text : everything) {
            assertFalse(text.contains(ACCESS_KEY), text);
            assertFalse(text.contains(SECRET_KEY), text);
            assertFalse(text.contains(SESSION_TOKEN), text);
        }
        // The requests really were signed with these credentials (so there was something to leak).
        assertTrue(front.wiremock().getAllServeEvents().stream().anyMatch(e ->
                String.valueOf(e.getRequest().getHeader("Authorization")).contains(ACCESS_KEY)));
    }

    @Test
    void aSecretThatReachesATextIsRedacted() {
        Secrets s = new Secrets();
        s.add(SECRET_KEY);
        assertEquals("failed with **** in it", s.redact("failed with " + SECRET_KEY + " in it"));
    }
}
