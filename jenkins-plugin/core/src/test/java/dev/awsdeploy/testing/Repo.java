package dev.awsdeploy.testing;

import java.nio.file.Path;

/** Paths in the repository, for tests that use the shipped resources. */
public final class Repo {
    private Repo() {
    }

    public static Path root() {
        String fromBuild = System.getProperty("aws.deploy.repoRoot");
        return (fromBuild != null ? Path.of(fromBuild) : Path.of("../..")).toAbsolutePath().normalize();
    }

    public static String path(String relative) {
        return root().resolve(relative).toString();
    }
}
