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

/**
 * {@code cloudWatchAlarm file: 'alarms/high-error-rate.json'} creates or updates a metric alarm; {@code action}
 * (put, the default, delete, wait or putMetric) chooses another action, exactly as the plugin step's optional
 * {@code action} does, so a bare call in a declarative {@code steps} block validates against the plugin's step.
 */
Map call(Map args = [:]) {
    Map input = [:]
    input.putAll(args ?: [:])
    String action = input.remove('action') ?: 'put'
    if (!PARAMETERS.containsKey(action)) {
        error("cloudWatchAlarm: action '${action}' is not one of ${PARAMETERS.keySet().join(', ')}; "
                + "write e.g. cloudWatchAlarm action: 'wait', alarms: ['HighErrorRate']")
    }
    return runAction(action, input)
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

private Map runAction(String action, Map given) {
    Map args = [:]
    args.putAll(given ?: [:])
    Object named = args.remove('action')
    if (named != null && named != action) {
        error("cloudWatchAlarm.${action}: action '${named}' contradicts .${action}; leave action out, or call "
                + "cloudWatchAlarm action: '${named}', ...")
    }
    return AwsDeployStep.run(this, [name: 'cloudWatchAlarm', action: action, cli: CLI[action],
                                    params: PARAMETERS[action]], args)
}
