import dev.awsdeploy.pipeline.AwsDeployStep
import groovy.transform.Field

// The step's parameters, exactly as the engine declares them (a test keeps them identical).
@Field static final List<String> PARAMETERS = ['application', 'deploymentGroup', 's3Bucket', 's3Key', 'bundleType',
        's3Version', 'eTag', 'bundle', 's3Prefix', 'taskDefinition', 'containerName', 'containerPort',
        'deploymentConfig', 'minimumHealthyHosts', 'trafficRouting', 'alarms', 'autoRollback', 'timeout',
        'fileExistsBehavior', 'ignoreApplicationStopFailures', 'continueAtReady', 'description', 'force',
        'awaitPromotion', 'action', 'lockTimeout']

@Field static final String CLI = 'code-deploy-rolling'

/**
 * Deploys a revision with CodeDeploy and waits for it:
 * {@code codeDeployRolling application: 'myapp', deploymentGroup: 'prod', bundle: 'build/deploy',
 * s3Bucket: 'myapp-releases', minimumHealthyHosts: 'FLEET_PERCENT:75'}.
 * The description defaults to the build's URL. {@code awaitPromotion: true} ends at CodeDeploy's Ready;
 * a later {@code codeDeployRolling application: 'myapp', deploymentGroup: 'prod', action: 'promote'} (or 'abort')
 * finishes the deployment it finds waiting there.
 */
Map call(Map args = [:]) {
    Map input = [:]
    input.putAll(args ?: [:])
    // promote and abort act on a deployment that exists: they take no description.
    if (input.description == null && env.BUILD_URL && (input.action ?: 'deploy') == 'deploy') {
        input.description = env.BUILD_URL
    }
    return AwsDeployStep.run(this, [name: 'codeDeployRolling', action: null, cli: CLI, params: PARAMETERS], input)
}
