package dev.awsdeploy.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParamsTest {
    private static final List<Param> SPEC = List.of(Param.string("alarmName", ""), Param.number("threshold", ""),
            Param.list("alarms", ""), Param.duration("bakeTime", ""));

    @Test
    void unknownKeysAreReportedWithTheClosestName() {
        Params p = new Params(Map.of("treshold", 5, "alarmname", "x"), SPEC);
        BadInputException e = assertThrows(BadInputException.class, p::check);
        assertEquals(2, e.problems().size());
        assertEquals("did you mean 'threshold'?", e.problems().stream()
                .filter(x -> x.parameter().equals("treshold")).findFirst().orElseThrow().fix());
    }

    @Test
    void valuesFromJenkinsfilesAndTheCommandLineReadTheSame() {
        Params p = new Params(Map.of("threshold", "5.5", "alarms", "A, B,C", "bakeTime", "1h30m"), SPEC);
        assertEquals(5.5, p.number("threshold", null));
        assertEquals(List.of("A", "B", "C"), p.list("alarms"));
        assertEquals(Duration.ofMinutes(90), p.duration("bakeTime", null));
        p.check();
    }

    @Test
    void aListValueKeepsEachItemWholeSoAnItemMayHoldAComma() {
        Params p = new Params(Map.of("alarms", List.of("A", "B,C", " ")), SPEC);
        assertEquals(List.of("A", "B,C"), p.list("alarms"));
        p.check();
    }

    @Test
    void durationsAreWrittenAsJenkinsfilesWriteThem() {
        assertEquals(Duration.ofSeconds(90), Durations.parse("90s"));
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertNull(Durations.parse("5 minutes"));
        assertNull(Durations.parse("5"));
        assertEquals("1h30m", Durations.format(Duration.ofMinutes(90)));
    }
}
