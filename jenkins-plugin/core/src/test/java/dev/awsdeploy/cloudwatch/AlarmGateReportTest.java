package dev.awsdeploy.cloudwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.awsdeploy.report.Page;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Given two alarms, one entering ALARM during the gate, the report draws one state strip per alarm. */
class AlarmGateReportTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    private static final String REGION = "ap-northeast-2";
    @TempDir
    Path tmp;

    @Test
    void theGateDrawsEachAlarmsStatesAndTheMomentItFailed() throws Exception {
        FakeClock clock = new FakeClock();
        Cli cli = new Cli(moto.url()).env("AWS_REGION", REGION).clock(clock);
        AlarmWaitTest.putTwoAlarms(cli);
        moto.setAlarmState(REGION, "HighErrorRate", "OK");
        moto.setAlarmState(REGION, "Latency", "INSUFFICIENT_DATA");
        clock.at(Duration.ofSeconds(60), () -> moto.setAlarmState(REGION, "Latency", "OK"));
        clock.at(Duration.ofSeconds(130), () -> moto.setAlarmState(REGION, "Latency", "ALARM"));
        Path report = tmp.resolve("gate.html");

        Cli.Run r = cli.run("cloudwatch-alarm", "wait", "--alarms", "HighErrorRate,Latency", "--duration", "5m",
                "--poll-interval", "10s", "--report", report.toString());

        assertEquals(3, r.exit(), r.toString());
        Page page = Page.of(Files.readString(report));
        page.assertHasText("//h1", "cloudWatchAlarm wait");
        String chart = "//svg[@id='alarm-chart']";
        assertEquals(List.of("HighErrorRate", "Latency"), page.texts(chart + "/g[@class='alarm']/text"));
        assertEquals(List.of("OK"), page.texts("(" + chart + "/g[@class='alarm'])[1]/g[@class='band']/text"));
        assertEquals(List.of("INSUFFICIENT DATA", "OK", "ALARM"),
                page.texts("(" + chart + "/g[@class='alarm'])[2]/g[@class='band']/text"));
        page.assertHasText(chart + "/g[@class='marker']/text", "gate decided at 12:02:");
        page.assertHasText("//figcaption", "Latency is ALARM");
        page.assertHasText("//table[@class='api-calls']//td", "CloudWatch.DescribeAlarms");
    }
}
