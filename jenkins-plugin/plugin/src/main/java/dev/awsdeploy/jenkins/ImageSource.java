package dev.awsdeploy.jenkins;

import java.io.File;

/**
 * ecrPush's {@code source} names an image in the workspace ({@code docker-archive:PATH}, {@code oci:DIR} or
 * {@code oci:DIR:REF}) or in the agent's Docker daemon ({@code docker:IMAGE}). Relative paths are made absolute
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
        String path = rest;
        String ref = "";
        if (scheme.equals("oci")) {
            int sep = rest.indexOf(':');
            if (sep > 0) {
                path = rest.substring(0, sep);
                ref = rest.substring(sep);
            }
        }
        File f = new File(path);
        String absolute = f.isAbsolute() ? f.getPath() : new File(workspace, path).getPath();
        return scheme + ":" + absolute + ref;
    }
}
