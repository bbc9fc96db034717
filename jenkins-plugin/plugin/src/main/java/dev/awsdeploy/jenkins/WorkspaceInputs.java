package dev.awsdeploy.jenkins;

import hudson.AbortException;
import hudson.FilePath;
import java.io.File;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Files named by parameters are relative to the workspace, which is usually on an agent, while the long steps run
 * on the controller. Before the engine starts, each such file (or bundle folder) is copied from the workspace into
 * the build's own folder on the controller, and the parameter is rewritten to that copy. The copy stays there until
 * the step ends, so a step resumed after a restart reads the same input even if the agent is gone.
 * <p>
 * The engine on the controller therefore never reads a path a Jenkinsfile chose on the controller's disk: a value
 * is either found in the workspace and copied, or it is an AWS reference (task definition {@code family:revision}
 * or ARN), or the step stops with an error.
 */
final class WorkspaceInputs {
    /** {@code family:revision} or an ARN: a task definition AWS already knows. */
    private static final Pattern REFERENCE = Pattern.compile("arn:aws[\\w-]*:.+|[A-Za-z0-9_-]{1,255}:\\d+");
    private static final Pattern ARN = Pattern.compile("arn:aws[\\w-]*:.+");

    private WorkspaceInputs() {
    }

    /**
     * @param workspace the step's workspace, or null outside {@code node}
     * @param into      where the copies go (created when needed)
     * @return the input with every workspace file replaced by the absolute path of its copy
     */
    static LinkedHashMap<String, Object> stage(FilePath workspace, File into, LinkedHashMap<String, Object> input,
                                               Map<String, WorkspaceFile> files, String label)
            throws IOException, InterruptedException {
        LinkedHashMap<String, Object> out = new LinkedHashMap<>(input);
        for (Map.Entry<String, WorkspaceFile> f : files.entrySet()) {
            String param = f.getKey();
            Object value = input.get(param);
            if (!(value instanceof String name) || name.isBlank()) {
                continue;
            }
            FilePath source = workspace == null ? null : workspace.child(name);
            boolean exists = source != null && source.exists();
            if (!exists && (f.getValue() == WorkspaceFile.FILE_OR_REFERENCE && REFERENCE.matcher(name).matches()
                    || f.getValue() == WorkspaceFile.FILE_OR_ARN && ARN.matcher(name).matches())) {
                continue; // an AWS reference: the engine resolves it
            }
            if (workspace == null) {
                throw new AbortException(label + ": " + param + " '" + name + "' names a file in the workspace, but "
                        + "the step runs outside node { }; call it inside node { } (after checkout)");
            }
            if (!exists) {
                throw new AbortException(label + ": " + param + " '" + name + "': no such file in the workspace "
                        + workspace.getRemote() + "; give a path relative to the workspace");
            }
            boolean folder = source.isDirectory();
            if (folder && f.getValue() != WorkspaceFile.FILE_OR_FOLDER) {
                throw new AbortException(label + ": " + param + " '" + name + "' is a folder; give the JSON file "
                        + "inside it");
            }
            // The copy keeps its name: engines derive names from it (a bundle's S3 key).
            FilePath target = new FilePath(new File(new File(into, param), source.getName()));
            if (target.exists()) {
                target.deleteRecursive();
            }
            if (folder) {
                target.mkdirs();
                source.copyRecursiveTo(target);
            } else {
                source.copyTo(target); // creates the parent folders
            }
            out.put(param, target.getRemote());
        }
        return out;
    }
}
