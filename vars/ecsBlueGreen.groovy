import dev.awsdeploy.pipeline.AwsDeployStep
import groovy.transform.Field

// Parameters exactly as the engine declares them (a test keeps them identical).
@Field static final List<String> PARAMETERS = ['deployment', 'cluster', 'service', 'blueService', 'greenService',
                                                'listenerRuleArn', 'listenerArn', 'image', 'container',
                                                'taskDefinition', 'desiredCount', 'trafficShift', 'alarms',
                                                'bakeTime', 'ignoreAlarmsAtStart', 'healthCheckUrl',
                                                'healthCheckRetries', 'healthCheckInterval', 'stableTimeout',
                                                'pollInterval', 'scaleDownStandby', 'bakeOnRollback', 'force',
                                                'awaitPromotion', 'action', 'lockTimeout']

/**
 * Blue/green on ECS behind an ALB: deploy to the standby colour, verify it, shift traffic, bake with alarms,
 * roll back on ALARM. {@code ecsBlueGreen cluster: 'prod', service: 'myapp', listenerRuleArn: RULE, image: IMAGE}
 */
Map call(Map args = [:]) {
    return AwsDeployStep.run(this, [name: 'ecsBlueGreen', action: null, cli: 'ecs-blue-green', params: PARAMETERS],
            args)
}
