import dev.awsdeploy.pipeline.AwsDeployStep
import groovy.transform.Field

// Parameters exactly as the engine declares them (a test keeps them identical).
@Field static final List<String> PARAMETERS = ['source', 'repository', 'registryId', 'tags', 'createRepository',
                                               'scanOnPush', 'tagMutability', 'encryption', 'kmsKey', 'registryUrl',
                                               'mountFrom', 'platform']

/**
 * Pushes an image to ECR without a Docker daemon and returns its immutable reference:
 * {@code def image = ecrPush source: 'docker-archive:build/image.tar', repository: 'myapp', tags: [env.BUILD_NUMBER]}
 * then deploy {@code image.imageUri} ({@code <registry>/<repository>@sha256:...}).
 */
Map call(Map args = [:]) {
    return AwsDeployStep.run(this, [name: 'ecrPush', action: null, cli: 'ecr-push', params: PARAMETERS], args)
}
