package dev.awsdeploy.ecs;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.ecs.TrafficRoute.Weights;
import dev.awsdeploy.testing.AwsFront;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.KillSwitch;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Given a deploy killed at a bad moment, when it is re-run with the same state file, then the truth is read. */
class BlueGreenResumeTest extends BlueGreenTestBase {

    @AfterEach
    void disarm() {
        KillSwitch.disarm();
    }

    private String[] canary(Path state, String... extra) {
        String[] base = {"--image", BlueGreenWorld.V2, "--traffic-shift", "Canary10Percent5Minutes", "--state-file",
            state.toString()};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    @Test
    void aRunKilledRightAfterItsFirstModifyRuleAndResumedDuringA503StormPutsTrafficBack(@TempDir Path dir) {
        Path state = dir.resolve("state.json");
        // The first ModifyRule reaches AWS (10 % to green), then the process dies before it hears the answer.
        KillSwitch.armAt("ModifyRule", 1, KillSwitch.Moment.AFTER_CHANGE);
        assertThrows(KillSwitch.Killed.class, () -> deploy(canary(state)));
        KillSwitch.disarm();
        assertEquals(new Weights(90, 10), world.weights());

        // The resumed run cannot verify green: every DescribeTargetHealth answers 503.
        faults.stubFor(AwsFront.operation("DescribeTargetHealth").atPriority(1).willReturn(aResponse()
                .withStatus(503).withHeader("Content-Type", "text/xml").withBody("<ErrorResponse><Error><Code>"
                        + "ServiceUnavailable</Code><Message>slow down</Message></Error></ErrorResponse>")));
        Cli.Run resumed = deploy(canary(state));

        assertEquals(3, resumed.exit(), resumed.toString());
        JsonNode j = json(resumed);
        assertEquals(true, j.path("rolledBack").asBoolean(), j.toString());
        assertEquals(true, j.path("resumed").asBoolean(), j.toString());
        String reason = j.path("reason").asText();
        assertTrue(reason.contains("this run resumed a deploy stopped in SHIFT"), reason);
        assertTrue(reason.contains("traffic read on resume: blue 90 %, green 10 %"), reason);
        assertFalse(resumed.all().contains("traffic was not moved"), resumed.toString());
        assertTrue(resumed.err().contains("Rolled back: blue 100 % (read back)"), resumed.err());
        assertEquals(new Weights(100, 0), world.weights());
    }

    @Test
    void aHoldResumedLaterWatchesItsRemainingTimeAgainAndCatchesAnAlarm(@TempDir Path dir) {
        Path state = dir.resolve("state.json");
        clock.at(Duration.ofMinutes(2), () -> {
            throw new IllegalStateException("killed");
        });
        assertEquals(1, deploy(canary(state, "--alarms", "HighErrorRate", "--bake-time", "0s")).exit());
        assertEquals(new Weights(90, 10), world.weights());

        // Ten minutes pass with no process; the hold (5 min) had about 3 minutes left. One minute after the
        // resume the alarm fires: the resumed hold must still be watching.
        clock.advance(Duration.ofMinutes(10));
        clock.at(Duration.ofMinutes(1), () -> moto.setAlarmState(BlueGreenWorld.REGION, "HighErrorRate", "ALARM"));
        Cli.Run resumed = deploy(canary(state, "--alarms", "HighErrorRate", "--bake-time", "0s"));

        assertEquals(3, resumed.exit(), resumed.toString());
        assertTrue(resumed.err().matches("(?s).*Hold at 10 %: nothing was watched for 1\\dm.* while no process ran; "
                + "the remaining 3m.* restarts from now.*"), resumed.err());
        assertTrue(json(resumed).path("reason").asText().contains("HighErrorRate"), resumed.toString());
        assertEquals(new Weights(100, 0), world.weights());
    }
}
