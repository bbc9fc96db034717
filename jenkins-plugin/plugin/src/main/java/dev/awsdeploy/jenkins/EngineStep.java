package dev.awsdeploy.jenkins;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * What every aws-deploy step takes besides its own parameters: the engine's common parameters (where and as whom
 * it runs) and the Jenkins credential. Property names are the engine's parameter names; a test in core keeps
 * them identical.
 */
public abstract class EngineStep extends Step {
    private String credentialsId;
    private String region;
    private String roleArn;
    private String externalId;
    private String roleSessionName;
    private Integer roleDurationSeconds;
    private Boolean dryRun;

    /** The engine's name of this step, e.g. {@code ecsBlueGreen}. */
    abstract String stepName();

    /** The action of a step that has several (cloudWatchAlarm); null for the others. */
    String action() {
        return null;
    }

    /** Whether the step waits long enough that it must survive a controller restart. */
    abstract boolean resumable();

    /** Parameters that name files in the workspace, and what they may name. */
    Map<String, WorkspaceFile> workspaceFiles() {
        return Map.of();
    }

    /** The step's own parameters, by the engine's names; null values are left out. */
    abstract void collect(EngineInput in);

    /** The whole engine input: the step's parameters and the common ones (never credentialsId). */
    final LinkedHashMap<String, Object> engineInput() {
        EngineInput in = new EngineInput();
        collect(in);
        in.put("region", region);
        in.put("roleArn", roleArn);
        in.put("externalId", externalId);
        in.put("roleSessionName", roleSessionName);
        in.put("roleDurationSeconds", roleDurationSeconds);
        in.put("dryRun", dryRun);
        return in.values();
    }

    /** {@code ecsBlueGreen}, or {@code cloudWatchAlarm wait}: how the log and errors name this step. */
    final String label() {
        return action() == null ? stepName() : stepName() + " " + action();
    }

    @Override
    public StepExecution start(StepContext context) throws Exception {
        return new ControllerExecution(this, context);
    }

    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = EngineInput.blankToNull(credentialsId);
    }

    public String getRegion() {
        return region;
    }

    @DataBoundSetter
    public void setRegion(String region) {
        this.region = EngineInput.blankToNull(region);
    }

    public String getRoleArn() {
        return roleArn;
    }

    @DataBoundSetter
    public void setRoleArn(String roleArn) {
        this.roleArn = EngineInput.blankToNull(roleArn);
    }

    public String getExternalId() {
        return externalId;
    }

    @DataBoundSetter
    public void setExternalId(String externalId) {
        this.externalId = EngineInput.blankToNull(externalId);
    }

    public String getRoleSessionName() {
        return roleSessionName;
    }

    @DataBoundSetter
    public void setRoleSessionName(String roleSessionName) {
        this.roleSessionName = EngineInput.blankToNull(roleSessionName);
    }

    public Integer getRoleDurationSeconds() {
        return roleDurationSeconds;
    }

    @DataBoundSetter
    public void setRoleDurationSeconds(Integer roleDurationSeconds) {
        this.roleDurationSeconds = roleDurationSeconds;
    }

    public Boolean getDryRun() {
        return dryRun;
    }

    @DataBoundSetter
    public void setDryRun(Boolean dryRun) {
        this.dryRun = dryRun;
    }
}
