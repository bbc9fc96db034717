package dev.awsdeploy.jenkins;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The part of the build's environment the engine reads. Nothing else is passed: the engine must not see the
 * controller's own environment. The AWS key variables (set by withCredentials or withAWS around the step) are
 * used only when no credentialsId is given, and are never kept in the StepExecution, which is saved to disk.
 */
final class Environment {
    static final Set<String> KEYS = Set.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN");
    private static final Set<String> PLAIN = Set.of("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_MAX_ATTEMPTS",
            "BUILD_TAG", "BUILD_URL", "BUILD_NUMBER", "JOB_NAME", "JOB_URL", "JENKINS_URL");

    private Environment() {
    }

    /** What the engine gets: region, endpoints, retry settings, build identity and, if present, AWS keys. */
    static HashMap<String, String> forEngine(Map<String, String> env) {
        HashMap<String, String> out = persistable(env);
        for (String k : KEYS) {
            String v = env.get(k);
            if (v != null && !v.isBlank()) {
                out.put(k, v);
            }
        }
        return out;
    }

    /**
     * What the engine gets on the controller: as {@link #forEngine}, but AWS keys that are merely the controller
     * process's own (the built-in node's environment includes it) are dropped, so a Jenkinsfile cannot act with the
     * controller's identity. Keys bound for the build (withCredentials, withAWS) differ from those and are kept.
     */
    static HashMap<String, String> forController(Map<String, String> env) {
        HashMap<String, String> out = forEngine(env);
        for (String k : KEYS) {
            String own = System.getenv(k);
            if (own != null && own.equals(out.get(k))) {
                out.remove(k);
            }
        }
        return out;
    }

    /** The non-secret part, kept across a restart in case the build's environment cannot be read again. */
    static HashMap<String, String> persistable(Map<String, String> env) {
        HashMap<String, String> out = new HashMap<>();
        env.forEach((k, v) -> {
            if (v != null && (PLAIN.contains(k) || k.startsWith("AWS_ENDPOINT_URL"))) {
                out.put(k, v);
            }
        });
        return out;
    }
}
