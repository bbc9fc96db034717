package dev.awsdeploy.run;

import java.util.List;

/**
 * One parameter of a step. The same name is the Jenkinsfile map key, the plugin Step property and,
 * in kebab-case, the CLI flag.
 */
public record Param(String name, Kind kind, String help) {

    public enum Kind { STRING, INT, NUMBER, BOOL, LIST, DURATION }

    public static Param string(String name, String help) {
        return new Param(name, Kind.STRING, help);
    }

    public static Param integer(String name, String help) {
        return new Param(name, Kind.INT, help);
    }

    public static Param number(String name, String help) {
        return new Param(name, Kind.NUMBER, help);
    }

    public static Param bool(String name, String help) {
        return new Param(name, Kind.BOOL, help);
    }

    public static Param list(String name, String help) {
        return new Param(name, Kind.LIST, help);
    }

    public static Param duration(String name, String help) {
        return new Param(name, Kind.DURATION, help);
    }

    /** {@code alarmName} becomes {@code --alarm-name}. */
    public String flag() {
        return "--" + kebab(name);
    }

    public static String kebab(String camel) {
        StringBuilder b = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                b.append('-').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Parameters every step takes: where and as whom it runs. */
    public static final List<Param> COMMON = List.of(
            string("region", "AWS region; default AWS_REGION, then AWS_DEFAULT_REGION"),
            string("roleArn", "IAM role to assume for this step (refreshed automatically on long runs)"),
            string("externalId", "external id the role's trust policy asks for"),
            string("roleSessionName", "session name for the assumed role; default aws-deploy-<build>"),
            integer("roleDurationSeconds", "assumed role session length, 900-43200 seconds; default 3600"),
            bool("dryRun", "read the current state, print the plan, change nothing"));

    /** Jenkins-only: resolved by the var or the plugin, never seen by the engine. */
    public static final Param CREDENTIALS_ID =
            string("credentialsId", "Jenkins credentials id of an AWS credential (Jenkins only)");
}
