package dev.awsdeploy.ecr;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.ecr.DockerArchive.SourceException;

/** The {@code platform} parameter: {@code os/architecture[/variant]}, as docker buildx and skopeo write it. */
record Platform(String os, String architecture, String variant) {
    static final String PATTERN = "[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?";

    static Platform parse(String value) {
        String[] p = value.split("/");
        return new Platform(p[0], p[1], p.length > 2 ? p[2] : null);
    }

    /** The platform an image config names ({@code os}, {@code architecture}, {@code variant}). */
    static String of(JsonNode config) {
        String os = config.path("os").asText("");
        String arch = config.path("architecture").asText("");
        String variant = config.path("variant").asText("");
        return os + "/" + arch + (variant.isEmpty() ? "" : "/" + variant);
    }

    /** Whether {@code os/arch[/variant]} is this platform; without a variant here, any variant matches. */
    boolean matches(String name) {
        String[] p = name == null ? new String[0] : name.split("/");
        return p.length >= 2 && os.equals(p[0]) && architecture.equals(p[1])
                && (variant == null || p.length > 2 && variant.equals(p[2]));
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }

    /** The source has no image for the platform asked for: a problem of the {@code platform} parameter. */
    static final class PlatformException extends SourceException {
        private static final long serialVersionUID = 1L;

        PlatformException(String message, String fix) {
            super(message, fix);
        }
    }
}
