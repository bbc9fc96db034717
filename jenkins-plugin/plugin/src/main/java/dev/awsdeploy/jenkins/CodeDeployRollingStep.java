package dev.awsdeploy.jenkins;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import java.util.List;
import java.util.Map;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code codeDeployRolling}: a CodeDeploy deployment with safe waits and automatic rollback. Runs on the
 * controller as a resumable execution; a bundle or task definition file in the workspace is copied to the
 * build's folder first.
 * Property names are the engine's parameter names (PluginStepsMatchEngineTest in core checks them).
 */
public final class CodeDeployRollingStep extends EngineStep {
    private final String application;
    private final String deploymentGroup;
    private String s3Bucket;
    private String s3Key;
    private String bundleType;
    private String s3Version;
    private String eTag;
    private String bundle;
    private String s3Prefix;
    private String taskDefinition;
    private String containerName;
    private Integer containerPort;
    private String deploymentConfig;
    private String minimumHealthyHosts;
    private String trafficRouting;
    private List<String> alarms;
    private Boolean autoRollback;
    private String timeout;
    private String fileExistsBehavior;
    private Boolean ignoreApplicationStopFailures;
    private Boolean continueAtReady;
    private String description;
    private Boolean force;
    private Boolean awaitPromotion;
    private String action;
    private String lockTimeout;

    @DataBoundConstructor
    public CodeDeployRollingStep(String application, String deploymentGroup) {
        this.application = EngineInput.blankToNull(application);
        this.deploymentGroup = EngineInput.blankToNull(deploymentGroup);
    }

    @Override
    String stepName() {
        return "codeDeployRolling";
    }

    @Override
    boolean resumable() {
        return true;
    }

    @Override
    Map<String, WorkspaceFile> workspaceFiles() {
        return Map.of("bundle", WorkspaceFile.FILE_OR_FOLDER, "taskDefinition", WorkspaceFile.FILE_OR_ARN);
    }

    @Override
    void collect(EngineInput in) {
        in.put("application", application);
        in.put("deploymentGroup", deploymentGroup);
        in.put("s3Bucket", s3Bucket);
        in.put("s3Key", s3Key);
        in.put("bundleType", bundleType);
        in.put("s3Version", s3Version);
        in.put("eTag", eTag);
        in.put("bundle", bundle);
        in.put("s3Prefix", s3Prefix);
        in.put("taskDefinition", taskDefinition);
        in.put("containerName", containerName);
        in.put("containerPort", containerPort);
        in.put("deploymentConfig", deploymentConfig);
        in.put("minimumHealthyHosts", minimumHealthyHosts);
        in.put("trafficRouting", trafficRouting);
        in.put("alarms", alarms);
        in.put("autoRollback", autoRollback);
        in.put("timeout", timeout);
        in.put("fileExistsBehavior", fileExistsBehavior);
        in.put("ignoreApplicationStopFailures", ignoreApplicationStopFailures);
        in.put("continueAtReady", continueAtReady);
        in.put("description", description);
        in.put("force", force);
        in.put("awaitPromotion", awaitPromotion);
        in.put("action", action);
        in.put("lockTimeout", lockTimeout);
    }

    public String getApplication() {
        return application;
    }

    public String getDeploymentGroup() {
        return deploymentGroup;
    }

    public String getS3Bucket() {
        return s3Bucket;
    }

    @DataBoundSetter
    public void setS3Bucket(String s3Bucket) {
        this.s3Bucket = EngineInput.blankToNull(s3Bucket);
    }

    public String getS3Key() {
        return s3Key;
    }

    @DataBoundSetter
    public void setS3Key(String s3Key) {
        this.s3Key = EngineInput.blankToNull(s3Key);
    }

    public String getBundleType() {
        return bundleType;
    }

    @DataBoundSetter
    public void setBundleType(String bundleType) {
        this.bundleType = EngineInput.blankToNull(bundleType);
    }

    public String getS3Version() {
        return s3Version;
    }

    @DataBoundSetter
    public void setS3Version(String s3Version) {
        this.s3Version = EngineInput.blankToNull(s3Version);
    }

    public String getETag() {
        return eTag;
    }

    @DataBoundSetter
    public void setETag(String eTag) {
        this.eTag = EngineInput.blankToNull(eTag);
    }

    public String getBundle() {
        return bundle;
    }

    @DataBoundSetter
    public void setBundle(String bundle) {
        this.bundle = EngineInput.blankToNull(bundle);
    }

    public String getS3Prefix() {
        return s3Prefix;
    }

    @DataBoundSetter
    public void setS3Prefix(String s3Prefix) {
        this.s3Prefix = EngineInput.blankToNull(s3Prefix);
    }

    public String getTaskDefinition() {
        return taskDefinition;
    }

    @DataBoundSetter
    public void setTaskDefinition(String taskDefinition) {
        this.taskDefinition = EngineInput.blankToNull(taskDefinition);
    }

    public String getContainerName() {
        return containerName;
    }

    @DataBoundSetter
    public void setContainerName(String containerName) {
        this.containerName = EngineInput.blankToNull(containerName);
    }

    public Integer getContainerPort() {
        return containerPort;
    }

    @DataBoundSetter
    public void setContainerPort(Integer containerPort) {
        this.containerPort = containerPort;
    }

    public String getDeploymentConfig() {
        return deploymentConfig;
    }

    @DataBoundSetter
    public void setDeploymentConfig(String deploymentConfig) {
        this.deploymentConfig = EngineInput.blankToNull(deploymentConfig);
    }

    public String getMinimumHealthyHosts() {
        return minimumHealthyHosts;
    }

    @DataBoundSetter
    public void setMinimumHealthyHosts(String minimumHealthyHosts) {
        this.minimumHealthyHosts = EngineInput.blankToNull(minimumHealthyHosts);
    }

    public String getTrafficRouting() {
        return trafficRouting;
    }

    @DataBoundSetter
    public void setTrafficRouting(String trafficRouting) {
        this.trafficRouting = EngineInput.blankToNull(trafficRouting);
    }

    public List<String> getAlarms() {
        return alarms;
    }

    @DataBoundSetter
    public void setAlarms(List<String> alarms) {
        this.alarms = EngineInput.copy(alarms);
    }

    public Boolean getAutoRollback() {
        return autoRollback;
    }

    @DataBoundSetter
    public void setAutoRollback(Boolean autoRollback) {
        this.autoRollback = autoRollback;
    }

    public String getTimeout() {
        return timeout;
    }

    @DataBoundSetter
    public void setTimeout(String timeout) {
        this.timeout = EngineInput.blankToNull(timeout);
    }

    public String getFileExistsBehavior() {
        return fileExistsBehavior;
    }

    @DataBoundSetter
    public void setFileExistsBehavior(String fileExistsBehavior) {
        this.fileExistsBehavior = EngineInput.blankToNull(fileExistsBehavior);
    }

    public Boolean getIgnoreApplicationStopFailures() {
        return ignoreApplicationStopFailures;
    }

    @DataBoundSetter
    public void setIgnoreApplicationStopFailures(Boolean ignoreApplicationStopFailures) {
        this.ignoreApplicationStopFailures = ignoreApplicationStopFailures;
    }

    public Boolean getContinueAtReady() {
        return continueAtReady;
    }

    @DataBoundSetter
    public void setContinueAtReady(Boolean continueAtReady) {
        this.continueAtReady = continueAtReady;
    }

    public String getDescription() {
        return description;
    }

    @DataBoundSetter
    public void setDescription(String description) {
        this.description = EngineInput.blankToNull(description);
    }

    public Boolean getForce() {
        return force;
    }

    @DataBoundSetter
    public void setForce(Boolean force) {
        this.force = force;
    }

    public Boolean getAwaitPromotion() {
        return awaitPromotion;
    }

    @DataBoundSetter
    public void setAwaitPromotion(Boolean awaitPromotion) {
        this.awaitPromotion = awaitPromotion;
    }

    public String getAction() {
        return action;
    }

    @DataBoundSetter
    public void setAction(String action) {
        this.action = EngineInput.blankToNull(action);
    }

    public String getLockTimeout() {
        return lockTimeout;
    }

    @DataBoundSetter
    public void setLockTimeout(String lockTimeout) {
        this.lockTimeout = EngineInput.blankToNull(lockTimeout);
    }

    @Extension
    @Symbol("codeDeployRolling")
    public static final class DescriptorImpl extends EngineStepDescriptor {
        @Override
        public String getFunctionName() {
            return "codeDeployRolling";
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "CodeDeploy deployment with safe waits and automatic rollback";
        }
    }
}
