import dev.awsdeploy.pipeline.AwsDeployStep
import groovy.transform.Field

// Parameters of each action, exactly as the engine declares them (a test keeps them identical).
@Field static final Map<String, List<String>> PARAMETERS = [
        put      : ['file', 'alarmName', 'alarmDescription', 'metricName', 'namespace', 'statistic',
                    'extendedStatistic', 'period', 'evaluationPeriods', 'datapointsToAlarm', 'threshold',
                    'comparisonOperator', 'treatMissingData', 'unit', 'dimensions', 'alarmActions', 'okActions',
                    'insufficientDataActions'],
        delete   : ['alarmName'],
        wait     : ['alarms', 'duration', 'until', 'pollInterval', 'treatInsufficientDataAs'],
        putMetric: ['namespace', 'metricName', 'value', 'unit', 'dimensions', 'timestamp'],
]

@Field static final Map<String, String> CLI = [put: 'cloudwatch-alarm put', delete: 'cloudwatch-alarm delete',
                                               wait: 'cloudwatch-alarm wait', putMetric: 'cloudwatch-alarm put-metric']

/** Creates or updates a metric alarm: {@code cloudWatchAlarm file: 'alarms/high-error-rate.json'}. */
Map call(Map args = [:]) {
    return put(args)
}

Map put(Map args) {
    return runAction('put', args)
}

Map delete(Map args) {
    return runAction('delete', args)
}

/** The alarm gate: fails the build when a watched alarm enters ALARM. */
Map wait(Map args) {
    return runAction('wait', args)
}

Map putMetric(Map args) {
    return runAction('putMetric', args)
}

private Map runAction(String action, Map args) {
    return AwsDeployStep.run(this, [name: 'cloudWatchAlarm', action: action, cli: CLI[action],
                                    params: PARAMETERS[action]], args)
}
