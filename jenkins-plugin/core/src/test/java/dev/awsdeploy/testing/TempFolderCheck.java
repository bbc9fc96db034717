package dev.awsdeploy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Set;
import java.util.TreeSet;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Checks that the tests of a test run leave nothing in the temporary folder: the names in it before the first test
 * and after the last one (once the shared servers are stopped) must be the same, or the run fails naming what was
 * left. Active where the build gives the run a temporary folder of its own ({@code aws.deploy.checkTempFolder}):
 * the machine's {@code /tmp} is shared with other builds, whose folders come and go.
 */
public final class TempFolderCheck implements LauncherSessionListener {
    private Set<String> before;

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        if (!Boolean.getBoolean("aws.deploy.checkTempFolder")) {
            return;
        }
        try {
            Files.createDirectories(TempFolders.root());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        before = TempFolders.entries();
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        if (before == null) {
            return;
        }
        MotoServer.stopAll();
        RegistryServer.stopAll();
        Set<String> left = new TreeSet<>(TempFolders.entries());
        left.removeAll(before);
        if (!left.isEmpty()) {
            throw new IllegalStateException("the tests left " + left.size() + " entries in the temporary folder "
                    + TempFolders.root() + " (" + before.size() + " before, " + (before.size() + left.size())
                    + " after): " + left + "; a test deletes what it creates, also when it fails (@TempDir, "
                    + "TemporaryFolder, try/finally, TempFolders)");
        }
    }
}
