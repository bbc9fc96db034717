package dev.awsdeploy.jenkins;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.util.ListBoxModel;
import java.util.List;
import java.util.Map;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code cloudWatchAlarm}: alarms as code and the alarm gate. {@code action} is put (the default), delete, wait or
 * putMetric;
 * the properties are the union of the actions' parameters, and each action takes only its own (the engine
 * reports any other as unknown). {@code wait} is resumable.
 * Property names are the engine's parameter names (PluginStepsMatchEngineTest in core checks them).
 */
public final class CloudWatchAlarmStep extends EngineStep {
    /** put when not given, as the var's plain call: {@code cloudWatchAlarm file: ...} validates in declarative. */
    static final String DEFAULT_ACTION = "put";
    private String action = DEFAULT_ACTION;
    private String file;
    private String alarmName;
    private String alarmDescription;
    private String metricName;
    private String namespace;
    private String statistic;
    private String extendedStatistic;
    private Integer period;
    private Integer evaluationPeriods;
    private Integer datapointsToAlarm;
    private Double threshold;
    private String comparisonOperator;
    private String treatMissingData;
    private String unit;
    private List<String> dimensions;
    private List<String> alarmActions;
    private List<String> okActions;
    private List<String> insufficientDataActions;
    private List<String> alarms;
    private String duration;
    private String until;
    private String pollInterval;
    private String treatInsufficientDataAs;
    private Double value;
    private String timestamp;

    @DataBoundConstructor
    public CloudWatchAlarmStep() {
    }

    @Override
    String stepName() {
        return "cloudWatchAlarm";
    }

    @Override
    String action() {
        return action;
    }

    @Override
    boolean resumable() {
        return "wait".equals(action);
    }

    @Override
    Map<String, WorkspaceFile> workspaceFiles() {
        return Map.of("file", WorkspaceFile.FILE);
    }

    @Override
    void collect(EngineInput in) {
        in.put("file", file);
        in.put("alarmName", alarmName);
        in.put("alarmDescription", alarmDescription);
        in.put("metricName", metricName);
        in.put("namespace", namespace);
        in.put("statistic", statistic);
        in.put("extendedStatistic", extendedStatistic);
        in.put("period", period);
        in.put("evaluationPeriods", evaluationPeriods);
        in.put("datapointsToAlarm", datapointsToAlarm);
        in.put("threshold", threshold);
        in.put("comparisonOperator", comparisonOperator);
        in.put("treatMissingData", treatMissingData);
        in.put("unit", unit);
        in.put("dimensions", dimensions);
        in.put("alarmActions", alarmActions);
        in.put("okActions", okActions);
        in.put("insufficientDataActions", insufficientDataActions);
        in.put("alarms", alarms);
        in.put("duration", duration);
        in.put("until", until);
        in.put("pollInterval", pollInterval);
        in.put("treatInsufficientDataAs", treatInsufficientDataAs);
        in.put("value", value);
        in.put("timestamp", timestamp);
    }

    public String getAction() {
        return action;
    }

    @DataBoundSetter
    public void setAction(String action) {
        String given = EngineInput.blankToNull(action);
        this.action = given == null ? DEFAULT_ACTION : given;
    }

    public String getFile() {
        return file;
    }

    @DataBoundSetter
    public void setFile(String file) {
        this.file = EngineInput.blankToNull(file);
    }

    public String getAlarmName() {
        return alarmName;
    }

    @DataBoundSetter
    public void setAlarmName(String alarmName) {
        this.alarmName = EngineInput.blankToNull(alarmName);
    }

    public String getAlarmDescription() {
        return alarmDescription;
    }

    @DataBoundSetter
    public void setAlarmDescription(String alarmDescription) {
        this.alarmDescription = EngineInput.blankToNull(alarmDescription);
    }

    public String getMetricName() {
        return metricName;
    }

    @DataBoundSetter
    public void setMetricName(String metricName) {
        this.metricName = EngineInput.blankToNull(metricName);
    }

    public String getNamespace() {
        return namespace;
    }

    @DataBoundSetter
    public void setNamespace(String namespace) {
        this.namespace = EngineInput.blankToNull(namespace);
    }

    public String getStatistic() {
        return statistic;
    }

    @DataBoundSetter
    public void setStatistic(String statistic) {
        this.statistic = EngineInput.blankToNull(statistic);
    }

    public String getExtendedStatistic() {
        return extendedStatistic;
    }

    @DataBoundSetter
    public void setExtendedStatistic(String extendedStatistic) {
        this.extendedStatistic = EngineInput.blankToNull(extendedStatistic);
    }

    public Integer getPeriod() {
        return period;
    }

    @DataBoundSetter
    public void setPeriod(Integer period) {
        this.period = period;
    }

    public Integer getEvaluationPeriods() {
        return evaluationPeriods;
    }

    @DataBoundSetter
    public void setEvaluationPeriods(Integer evaluationPeriods) {
        this.evaluationPeriods = evaluationPeriods;
    }

    public Integer getDatapointsToAlarm() {
        return datapointsToAlarm;
    }

    @DataBoundSetter
    public void setDatapointsToAlarm(Integer datapointsToAlarm) {
        this.datapointsToAlarm = datapointsToAlarm;
    }

    public Double getThreshold() {
        return threshold;
    }

    @DataBoundSetter
    public void setThreshold(Double threshold) {
        this.threshold = threshold;
    }

    public String getComparisonOperator() {
        return comparisonOperator;
    }

    @DataBoundSetter
    public void setComparisonOperator(String comparisonOperator) {
        this.comparisonOperator = EngineInput.blankToNull(comparisonOperator);
    }

    public String getTreatMissingData() {
        return treatMissingData;
    }

    @DataBoundSetter
    public void setTreatMissingData(String treatMissingData) {
        this.treatMissingData = EngineInput.blankToNull(treatMissingData);
    }

    public String getUnit() {
        return unit;
    }

    @DataBoundSetter
    public void setUnit(String unit) {
        this.unit = EngineInput.blankToNull(unit);
    }

    public List<String> getDimensions() {
        return dimensions;
    }

    @DataBoundSetter
    public void setDimensions(List<String> dimensions) {
        this.dimensions = EngineInput.copy(dimensions);
    }

    public List<String> getAlarmActions() {
        return alarmActions;
    }

    @DataBoundSetter
    public void setAlarmActions(List<String> alarmActions) {
        this.alarmActions = EngineInput.copy(alarmActions);
    }

    public List<String> getOkActions() {
        return okActions;
    }

    @DataBoundSetter
    public void setOkActions(List<String> okActions) {
        this.okActions = EngineInput.copy(okActions);
    }

    public List<String> getInsufficientDataActions() {
        return insufficientDataActions;
    }

    @DataBoundSetter
    public void setInsufficientDataActions(List<String> insufficientDataActions) {
        this.insufficientDataActions = EngineInput.copy(insufficientDataActions);
    }

    public List<String> getAlarms() {
        return alarms;
    }

    @DataBoundSetter
    public void setAlarms(List<String> alarms) {
        this.alarms = EngineInput.copy(alarms);
    }

    public String getDuration() {
        return duration;
    }

    @DataBoundSetter
    public void setDuration(String duration) {
        this.duration = EngineInput.blankToNull(duration);
    }

    public String getUntil() {
        return until;
    }

    @DataBoundSetter
    public void setUntil(String until) {
        this.until = EngineInput.blankToNull(until);
    }

    public String getPollInterval() {
        return pollInterval;
    }

    @DataBoundSetter
    public void setPollInterval(String pollInterval) {
        this.pollInterval = EngineInput.blankToNull(pollInterval);
    }

    public String getTreatInsufficientDataAs() {
        return treatInsufficientDataAs;
    }

    @DataBoundSetter
    public void setTreatInsufficientDataAs(String treatInsufficientDataAs) {
        this.treatInsufficientDataAs = EngineInput.blankToNull(treatInsufficientDataAs);
    }

    public Double getValue() {
        return value;
    }

    @DataBoundSetter
    public void setValue(Double value) {
        this.value = value;
    }

    public String getTimestamp() {
        return timestamp;
    }

    @DataBoundSetter
    public void setTimestamp(String timestamp) {
        this.timestamp = EngineInput.blankToNull(timestamp);
    }

    @Extension
    @Symbol("cloudWatchAlarm")
    public static final class DescriptorImpl extends EngineStepDescriptor {
        @Override
        public String getFunctionName() {
            return "cloudWatchAlarm";
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "CloudWatch alarms as code: put, delete, wait (alarm gate), putMetric";
        }

        public ListBoxModel doFillActionItems() {
            ListBoxModel items = new ListBoxModel();
            items.add("put");
            items.add("delete");
            items.add("wait");
            items.add("putMetric");
            return items;
        }
    }
}
