package dev.awsdeploy.run;

import java.util.List;
import java.util.stream.Collectors;

/** Input that cannot work. Raised before any AWS call that changes something; exit code 2. */
public class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<Problem> problems;

    public BadInputException(List<Problem> problems) {
        super(render(problems));
        this.problems = List.copyOf(problems);
    }

    public BadInputException(String parameter, Object value, String message, String fix) {
        this(List.of(new Problem(parameter, value == null ? null : String.valueOf(value), message, fix)));
    }

    public List<Problem> problems() {
        return problems;
    }

    private static String render(List<Problem> problems) {
        if (problems.size() == 1) {
            return problems.get(0).render();
        }
        return problems.size() + " problems with the input:\n" + problems.stream()
                .map(p -> "  - " + p.render()).collect(Collectors.joining("\n"));
    }
}
