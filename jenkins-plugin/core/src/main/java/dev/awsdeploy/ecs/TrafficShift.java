package dev.awsdeploy.ecs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How traffic moves to the new colour, by CodeDeploy's names: {@code AllAtOnce},
 * {@code Canary<P>Percent<M>Minutes} (P % for M minutes, then the rest), {@code Linear<P>PercentEvery<M>Minutes}
 * (P % more every M minutes). The {@code ECS} prefix CodeDeploy uses is accepted and ignored.
 */
public record TrafficShift(String name, List<Step> steps) {

    /** One traffic level: the new colour's share and how long it is held before the next step. */
    public record Step(int percent, Duration hold) {
    }

    private static final Pattern ALL = Pattern.compile("(?i)(?:ECS)?AllAtOnce");
    private static final Pattern CANARY = Pattern.compile("(?i)(?:ECS)?Canary(\\d+)Percent(\\d+)Minutes?");
    private static final Pattern LINEAR = Pattern.compile("(?i)(?:ECS)?Linear(\\d+)PercentEvery(\\d+)Minutes?");

    public static final TrafficShift ALL_AT_ONCE = new TrafficShift("AllAtOnce", List.of(new Step(100, Duration.ZERO)));

    /**
     * Parses a name; {@code minute} is how long a "minute" of the name lasts (60 s, shorter only in demos).
     *
     * @throws IllegalArgumentException with the reason and the fix, as "reason|fix"
     */
    public static TrafficShift parse(String s, Duration minute) {
        String v = s.trim();
        if (ALL.matcher(v).matches()) {
            return ALL_AT_ONCE;
        }
        Matcher c = CANARY.matcher(v);
        if (c.matches()) {
            int p = percent(c.group(1), v);
            int m = minutes(c.group(2), v);
            return new TrafficShift("Canary" + p + "Percent" + m + "Minutes",
                    List.of(new Step(p, minute.multipliedBy(m)), new Step(100, Duration.ZERO)));
        }
        Matcher l = LINEAR.matcher(v);
        if (l.matches()) {
            int p = percent(l.group(1), v);
            int m = minutes(l.group(2), v);
            List<Step> steps = new ArrayList<>();
            for (int w = p; w < 100; w += p) {
                steps.add(new Step(w, minute.multipliedBy(m)));
            }
            steps.add(new Step(100, Duration.ZERO));
            return new TrafficShift("Linear" + p + "PercentEvery" + m + (m == 1 ? "Minute" : "Minutes"), steps);
        }
        throw new IllegalArgumentException("is not a traffic shift name|use AllAtOnce, Canary<P>Percent<M>Minutes "
                + "(e.g. Canary10Percent5Minutes) or Linear<P>PercentEvery<M>Minutes (e.g. Linear10PercentEvery1Minute)");
    }

    private static int percent(String digits, String v) {
        long p = digits.length() > 3 ? 1000 : Long.parseLong(digits);
        if (p < 1 || p > 99) {
            throw new IllegalArgumentException("asks for " + digits + " % in a step, which is not between 1 and 99"
                    + "|give a percentage from 1 to 99, e.g. Canary10Percent5Minutes");
        }
        return (int) p;
    }

    private static int minutes(String digits, String v) {
        long m = digits.length() > 4 ? 100_000 : Long.parseLong(digits);
        if (m < 1 || m > 2880) {
            throw new IllegalArgumentException("waits " + digits + " minutes per step, which is not between 1 and "
                    + "2880|give 1 to 2880 minutes");
        }
        return (int) m;
    }

    public boolean allAtOnce() {
        return steps.size() == 1;
    }

    /** Time spent holding traffic levels before 100 %. */
    public Duration totalHold() {
        return steps.stream().map(Step::hold).reduce(Duration.ZERO, Duration::plus);
    }
}
