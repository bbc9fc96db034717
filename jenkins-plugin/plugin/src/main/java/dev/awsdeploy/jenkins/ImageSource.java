package dev.awsdeploy.jenkins;

import java.io.File;

/**
 * ecrPush's {@code source} names an image in the workspace ({@code docker-archive:PATH[:REF]} or
 * {@code oci:DIR[:REF]}) or in the agent's Docker daemon ({@code docker:IMAGE}). Relative paths are made absolute
 * against the workspace on the agent, where the engine runs for this step; other values are left to the engine,
 * which reports anything it does not understand.
 */
final class ImageSource {
    private ImageSource() {
    }

    static String inWorkspace(File workspace, String source) {
        if (source == null) {
            return null;
        }
        int colon = source.indexOf(':');
        if (colon < 0) {
            return source;
        }
        String scheme = source.substring(0, colon);
        String rest = source.substring(colon + 1);
        if (!scheme.equals("docker-archive") && !scheme.equals("oci") || rest.isEmpty()) {
            return source;
        }
        // The engine finds where the path ends (before an optional :REF) by testing prefixes, so the whole rest is
        // placed under the workspace: docker-archive:build/app.tar:myapp:1 -> docker-archive:/ws/build/app.tar:myapp:1
        return new File(rest).isAbsolute() ? source : scheme + ":" + new File(workspace, rest).getPath();
    }
}
