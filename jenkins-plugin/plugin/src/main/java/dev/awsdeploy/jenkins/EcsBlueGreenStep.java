package dev.awsdeploy.jenkins;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import java.util.List;
import java.util.Map;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code ecsBlueGreen}: blue/green on ECS behind an ALB listener rule, with canary or linear traffic, an
 * alarm-gated bake and instant rollback. Runs on the controller as a resumable execution; a task definition
 * file in the workspace is copied to the build's folder first.
 * Property names are the engine's parameter names (PluginStepsMatchEngineTest in core checks them).
 */
public final class EcsBlueGreenStep extends EngineStep {
    private final String cluster;
    private String deployment;
    private String service;
    private String blueService;
    private String greenService;
    private String listenerRuleArn;
    private String listenerArn;
    private String image;
    private String container;
    private String taskDefinition;
    private Integer desiredCount;
    private String trafficShift;
    private List<String> alarms;
    private String bakeTime;
    private Boolean ignoreAlarmsAtStart;
    private String healthCheckUrl;
    private Integer healthCheckRetries;
    private String healthCheckInterval;
    private String stableTimeout;
    private String pollInterval;
    private Boolean scaleDownStandby;
    private Boolean bakeOnRollback;
    private Boolean force;
    private Boolean awaitPromotion;
    private String action;
    private String lockTimeout;

    @DataBoundConstructor
    public EcsBlueGreenStep(String cluster) {
        this.cluster = EngineInput.blankToNull(cluster);
    }

    @Override
    String stepName() {
        return "ecsBlueGreen";
    }

    @Override
    boolean resumable() {
        return true;
    }

    @Override
    Map<String, WorkspaceFile> workspaceFiles() {
        return Map.of("taskDefinition", WorkspaceFile.FILE_OR_REFERENCE);
    }

    @Override
    void collect(EngineInput in) {
        in.put("deployment", deployment);
        in.put("cluster", cluster);
        in.put("service", service);
        in.put("blueService", blueService);
        in.put("greenService", greenService);
        in.put("listenerRuleArn", listenerRuleArn);
        in.put("listenerArn", listenerArn);
        in.put("image", image);
        in.put("container", container);
        in.put("taskDefinition", taskDefinition);
        in.put("desiredCount", desiredCount);
        in.put("trafficShift", trafficShift);
        in.put("alarms", alarms);
        in.put("bakeTime", bakeTime);
        in.put("ignoreAlarmsAtStart", ignoreAlarmsAtStart);
        in.put("healthCheckUrl", healthCheckUrl);
        in.put("healthCheckRetries", healthCheckRetries);
        in.put("healthCheckInterval", healthCheckInterval);
        in.put("stableTimeout", stableTimeout);
        in.put("pollInterval", pollInterval);
        in.put("scaleDownStandby", scaleDownStandby);
        in.put("bakeOnRollback", bakeOnRollback);
        in.put("force", force);
        in.put("awaitPromotion", awaitPromotion);
        in.put("action", action);
        in.put("lockTimeout", lockTimeout);
    }

    public String getCluster() {
        return cluster;
    }

    public String getDeployment() {
        return deployment;
    }

    @DataBoundSetter
    public void setDeployment(String deployment) {
        this.deployment = EngineInput.blankToNull(deployment);
    }

    public String getService() {
        return service;
    }

    @DataBoundSetter
    public void setService(String service) {
        this.service = EngineInput.blankToNull(service);
    }

    public String getBlueService() {
        return blueService;
    }

    @DataBoundSetter
    public void setBlueService(String blueService) {
        this.blueService = EngineInput.blankToNull(blueService);
    }

    public String getGreenService() {
        return greenService;
    }

    @DataBoundSetter
    public void setGreenService(String greenService) {
        this.greenService = EngineInput.blankToNull(greenService);
    }

    public String getListenerRuleArn() {
        return listenerRuleArn;
    }

    @DataBoundSetter
    public void setListenerRuleArn(String listenerRuleArn) {
        this.listenerRuleArn = EngineInput.blankToNull(listenerRuleArn);
    }

    public String getListenerArn() {
        return listenerArn;
    }

    @DataBoundSetter
    public void setListenerArn(String listenerArn) {
        this.listenerArn = EngineInput.blankToNull(listenerArn);
    }

    public String getImage() {
        return image;
    }

    @DataBoundSetter
    public void setImage(String image) {
        this.image = EngineInput.blankToNull(image);
    }

    public String getContainer() {
        return container;
    }

    @DataBoundSetter
    public void setContainer(String container) {
        this.container = EngineInput.blankToNull(container);
    }

    public String getTaskDefinition() {
        return taskDefinition;
    }

    @DataBoundSetter
    public void setTaskDefinition(String taskDefinition) {
        this.taskDefinition = EngineInput.blankToNull(taskDefinition);
    }

    public Integer getDesiredCount() {
        return desiredCount;
    }

    @DataBoundSetter
    public void setDesiredCount(Integer desiredCount) {
        this.desiredCount = desiredCount;
    }

    public String getTrafficShift() {
        return trafficShift;
    }

    @DataBoundSetter
    public void setTrafficShift(String trafficShift) {
        this.trafficShift = EngineInput.blankToNull(trafficShift);
    }

    public List<String> getAlarms() {
        return alarms;
    }

    @DataBoundSetter
    public void setAlarms(List<String> alarms) {
        this.alarms = EngineInput.copy(alarms);
    }

    public String getBakeTime() {
        return bakeTime;
    }

    @DataBoundSetter
    public void setBakeTime(String bakeTime) {
        this.bakeTime = EngineInput.blankToNull(bakeTime);
    }

    public Boolean getIgnoreAlarmsAtStart() {
        return ignoreAlarmsAtStart;
    }

    @DataBoundSetter
    public void setIgnoreAlarmsAtStart(Boolean ignoreAlarmsAtStart) {
        this.ignoreAlarmsAtStart = ignoreAlarmsAtStart;
    }

    public String getHealthCheckUrl() {
        return healthCheckUrl;
    }

    @DataBoundSetter
    public void setHealthCheckUrl(String healthCheckUrl) {
        this.healthCheckUrl = EngineInput.blankToNull(healthCheckUrl);
    }

    public Integer getHealthCheckRetries() {
        return healthCheckRetries;
    }

    @DataBoundSetter
    public void setHealthCheckRetries(Integer healthCheckRetries) {
        this.healthCheckRetries = healthCheckRetries;
    }

    public String getHealthCheckInterval() {
        return healthCheckInterval;
    }

    @DataBoundSetter
    public void setHealthCheckInterval(String healthCheckInterval) {
        this.healthCheckInterval = EngineInput.blankToNull(healthCheckInterval);
    }

    public String getStableTimeout() {
        return stableTimeout;
    }

    @DataBoundSetter
    public void setStableTimeout(String stableTimeout) {
        this.stableTimeout = EngineInput.blankToNull(stableTimeout);
    }

    public String getPollInterval() {
        return pollInterval;
    }

    @DataBoundSetter
    public void setPollInterval(String pollInterval) {
        this.pollInterval = EngineInput.blankToNull(pollInterval);
    }

    public Boolean getScaleDownStandby() {
        return scaleDownStandby;
    }

    @DataBoundSetter
    public void setScaleDownStandby(Boolean scaleDownStandby) {
        this.scaleDownStandby = scaleDownStandby;
    }

    public Boolean getBakeOnRollback() {
        return bakeOnRollback;
    }

    @DataBoundSetter
    public void setBakeOnRollback(Boolean bakeOnRollback) {
        this.bakeOnRollback = bakeOnRollback;
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
    @Symbol("ecsBlueGreen")
    public static final class DescriptorImpl extends EngineStepDescriptor {
        @Override
        public String getFunctionName() {
            return "ecsBlueGreen";
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "Blue/green deployment on ECS behind an ALB, with alarm-gated traffic shifting";
        }
    }
}
