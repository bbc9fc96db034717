package dev.awsdeploy.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CodeDeploy's traffic shift names, as the step reads them. */
class TrafficShiftTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private static List<Integer> percents(TrafficShift t) {
        return t.steps().stream().map(TrafficShift.Step::percent).toList();
    }

    @Test
    void canaryHoldsItsShareThenMovesTheRest() {
        TrafficShift t = TrafficShift.parse("ECSCanary10Percent5Minutes", MINUTE);
        assertEquals("Canary10Percent5Minutes", t.name());
        assertEquals(List.of(10, 100), percents(t));
        assertEquals(Duration.ofMinutes(5), t.totalHold());
    }

    @Test
    void linearAddsItsShareEveryIntervalAndEndsAtOneHundred() {
        assertEquals(List.of(10, 20, 30, 40, 50, 60, 70, 80, 90, 100),
                percents(TrafficShift.parse("ECSLinear10PercentEvery1Minutes", MINUTE)));
        assertEquals(List.of(33, 66, 99, 100), percents(TrafficShift.parse("linear33percentevery3minutes", MINUTE)));
        assertEquals(Duration.ofMinutes(9), TrafficShift.parse("Linear33PercentEvery3Minutes", MINUTE).totalHold());
    }

    @Test
    void allAtOnceIsOneStepAndDemoMinutesScaleHolds() {
        assertTrue(TrafficShift.parse("ECSAllAtOnce", MINUTE).allAtOnce());
        assertEquals(Duration.ofSeconds(10), TrafficShift.parse("Canary10Percent1Minute", Duration.ofSeconds(10))
                .steps().get(0).hold());
    }

    @Test
    void impossibleSharesAndTimesAreRefusedWithTheFix() {
        for (String bad : List.of("Canary110Percent5Minutes", "Canary0Percent5Minutes", "Canary100Percent5Minutes",
                "Linear10PercentEvery0Minutes", "Canary10Percent99999999999Minutes", "Canary10Percent", "Blue")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TrafficShift.parse(bad, MINUTE), bad);
            assertTrue(e.getMessage().contains("|"), bad + ": " + e.getMessage());
        }
    }
}
