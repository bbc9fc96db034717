package dev.awsdeploy.run;

/** One thing wrong with the input: which parameter, the value given, what is wrong and how to fix it. */
public record Problem(String parameter, String value, String message, String fix) {

    public String render() {
        StringBuilder b = new StringBuilder(parameter);
        if (value != null) {
            b.append(" '").append(value).append('\'');
        }
        b.append(": ").append(message);
        if (fix != null && !fix.isBlank()) {
            b.append("; ").append(fix);
        }
        return b.toString();
    }
}
