package dev.awsdeploy.library

import static org.junit.Assert.assertEquals
import static org.junit.Assert.assertFalse
import static org.junit.Assert.assertTrue
import static org.junit.Assert.fail

import dev.awsdeploy.ecr.EcrPush
import dev.awsdeploy.testing.AwsClients
import dev.awsdeploy.testing.Images
import dev.awsdeploy.testing.MotoServer
import dev.awsdeploy.testing.RegistryServer
import dev.awsdeploy.testing.Repo
import org.junit.Before
import org.junit.Test
import software.amazon.awssdk.services.ecr.EcrClient

/** The ecrPush var under the CPS interpreter, running the real CLI against moto (ECR) and a real registry. */
class EcrPushVarTest extends LibraryPipelineTest {
    static MotoServer moto = MotoServer.shared()
    static RegistryServer registry = RegistryServer.shared()
    static int counter = 0

    String repository

    @Before
    void setUp() {
        setUpLibrary()
        moto.reset()
        registry.startCounting()
        repository = "library/app-${System.nanoTime()}-${counter++}"
        env.AWS_ENDPOINT_URL = moto.url()
        env.AWS_REGION = 'ap-northeast-2'
        env.AWS_DEPLOY_CREDENTIALS_ID = 'aws-prod'
        binding.setVariable('REPOSITORY', repository)
        binding.setVariable('REGISTRY_URL', registry.url())
        binding.setVariable('IMAGE', Images.dockerArchive(workspace.resolve('image.tar'), 'app:1.0.0', false,
                [Images.layer(31, 40000), Images.layer(32, 30000)] as byte[][]).toString())
        binding.setVariable('OTHER_IMAGE', Images.dockerArchive(workspace.resolve('other.tar'), 'app:1.0.0', false,
                [Images.layer(33, 20000)] as byte[][]).toString())
    }

    private String mutability() {
        EcrClient ecr = AwsClients.ecr(moto.url(), 'ap-northeast-2')
        try {
            return ecr.describeRepositories { it.repositoryNames(repository) }.repositories()[0]
                    .imageTagMutabilityAsString()
        } finally {
            ecr.close()
        }
    }

    @Test
    void pushTwiceReturnsTheDigestAndTheSecondIsUnchanged() {
        Map results = [:]
        binding.setVariable('results', results)

        runScript('ecr-push.jenkins')

        assertEquals('pushed', results.first.status)
        assertEquals('unchanged', results.second.status)
        assertEquals(0, results.second.bytesUploaded)
        assertEquals(['1.0.0', 'latest'], results.first.tags)
        String digest = results.first.digest
        assertEquals("123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/${repository}@${digest}".toString(),
                results.first.imageUri)
        assertEquals(digest, registry.manifest(repository, '1.0.0').digestHeader())
        assertEquals(digest, registry.manifest(repository, 'latest').digestHeader())
        assertEquals('IMMUTABLE', mutability())
        assertEquals(['aws-prod'] * 2, credentialsUsed)
        assertTrue(commands[0].contains("ecr-push --source 'docker-archive:"))
        assertTrue(commands[0].contains("--tags '1.0.0' --tags 'latest'"))
        assertTrue(commands[0].contains("--create-repository 'true'"))
        assertFalse(commands.any { it.contains('credentials-id') })
        assertTrue(log.toString(), log.contains("deploying ${results.first.imageUri}"))
        assertTrue(log.toString(), log.contains("Created repository ${repository}"))
        assertFalse(log.contains(RegistryServer.MOTO_PASSWORD))
        assertFalse(log.contains(ACCESS_KEY))
        assertFalse(log.contains(SECRET_KEY))
    }

    @Test
    void anotherImageOnAnImmutableTagFailsTheBuildTellingToUseANewTag() {
        binding.setVariable('results', [:])
        runScript('ecr-push.jenkins')
        registry.startCounting()

        try {
            runScript('ecr-push-conflict.jenkins')
            fail('the immutable tag conflict should fail the build')
        } catch (LibraryPipelineTest.PipelineError e) {
            assertTrue(e.message, e.message.startsWith('ecrPush: failed: repository ' + repository
                    + ' has immutable tags'))
            assertTrue(e.message, e.message.contains('push under a new tag'))
        }
        assertEquals([], registry.uploads())
    }

    @Test
    void anUnknownKeyFailsInTheVarNamingTheCloseSpelling() {
        try {
            runScript('ecr-push-typo.jenkins')
            fail('expected an error')
        } catch (LibraryPipelineTest.PipelineError e) {
            assertEquals("ecrPush: unknown parameter 'tag': did you mean 'tags'?", e.message)
        }
        assertEquals([], commands)
    }

    @Test
    void theVarsParametersAreExactlyTheEnginesParameters() {
        Script var = loadScript(Repo.path('vars/ecrPush.groovy'))
        assertEquals(EcrPush.DEFINITION.params()*.name(), var.PARAMETERS)
        assertEquals('ecr-push', EcrPush.DEFINITION.cliPath())
    }
}
