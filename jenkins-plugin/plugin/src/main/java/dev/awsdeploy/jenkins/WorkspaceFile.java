package dev.awsdeploy.jenkins;

/** What a parameter that names something in the workspace may name. */
enum WorkspaceFile {
    /** Always a file in the workspace (an alarm's JSON). */
    FILE,
    /** A file or a folder in the workspace (a CodeDeploy bundle). */
    FILE_OR_FOLDER,
    /** A file in the workspace, or a task definition AWS knows: {@code family:revision} or an ARN (ecsBlueGreen). */
    FILE_OR_REFERENCE,
    /** A file in the workspace, or an ARN (codeDeployRolling's task definition). */
    FILE_OR_ARN
}
