package dev.awsdeploy.library

import static com.lesfurets.jenkins.unit.global.lib.LibraryConfiguration.library
import static com.lesfurets.jenkins.unit.global.lib.LocalSource.localSource

import com.lesfurets.jenkins.unit.cps.BasePipelineTestCPS
import dev.awsdeploy.testing.Repo
import dev.awsdeploy.testing.TempFolders
import java.nio.file.FileAlreadyExistsException
import java.nio.file.Files
import java.nio.file.Path
import org.junit.After

/**
 * Base of the shared library's tests: the library is loaded from this repository under JenkinsPipelineUnit's CPS
 * interpreter; sh runs real commands (the real aws-deploy CLI) in a temporary workspace with the pipeline's env
 * and the credentials withCredentials binds; error() throws like Jenkins'.
 */
abstract class LibraryPipelineTest extends BasePipelineTestCPS {
    /** Fake credentials bound by withCredentials; a test asserts they never reach the log. */
    static final String ACCESS_KEY = 'FAKEACCESSKEYFORLIBRARYTEST'
    static final String SECRET_KEY = 'fake/secret+key/for/library/test/only'

    Path workspace
    /** The pipeline's env; values pinned by a test win over assignments in the pipeline (see {@link #pin}). */
    final Map<String, String> env = new PinnedEnv()
    /** Secret-text credentials by id, bound by withCredentials([string(credentialsId:, variable:)]). */
    final Map<String, String> secretTexts = [:]
    final List<String> junitReports = []
    final Map<String, Map<String, byte[]>> stashes = [:]
    final Map<String, String> bound = [:]
    final StringBuilder log = new StringBuilder()
    final List<String> commands = []
    final List<String> credentialsUsed = []

    void setUpLibrary() {
        Path root = Repo.root()
        Path libs = root.resolve('test/target/libs')
        Files.createDirectories(libs)
        Path link = libs.resolve('aws-deploy@main')
        if (!Files.exists(link)) {
            try {
                Files.createSymbolicLink(link, root)
            } catch (FileAlreadyExistsException ignored) {
                // the other test JVM made it at the same moment
            }
        }
        scriptRoots = [root.resolve('test/pipelines').toString(), root.toString()] as String[]
        scriptExtension = 'jenkins'
        super.setUp()
        helper.registerSharedLibrary(library().name('aws-deploy').defaultVersion('main').allowOverride(false)
                .implicit(true).targetPath(libs.toString()).retriever(localSource(libs.toString())).build())
        workspace = TempFolders.create('workspace')
        env.AWS_DEPLOY_CLI = root.resolve('bin/aws-deploy').toString()
        binding.setVariable('env', env)
        registerSteps()
    }

    /** The workspace goes with the test, also when it failed. */
    @After
    void deleteWorkspace() {
        TempFolders.delete(workspace)
    }

    private void registerSteps() {
        helper.registerAllowedMethod('error', [String]) { String message ->
            throw new PipelineError(message)
        }
        helper.registerAllowedMethod('sh', [Map]) { Map args -> sh(args) }
        helper.registerAllowedMethod('sh', [String]) { String script -> sh([script: script]) }
        helper.registerAllowedMethod('echo', [String]) { String s -> log.append(s).append('\n') }
        helper.registerAllowedMethod('fileExists', [String]) { String f -> Files.exists(workspace.resolve(f)) }
        helper.registerAllowedMethod('readFile', [Map]) { Map m ->
            new String(Files.readAllBytes(workspace.resolve(m.file as String)), (m.encoding ?: 'UTF-8') as String)
        }
        helper.registerAllowedMethod('readFile', [String]) { String f ->
            new String(Files.readAllBytes(workspace.resolve(f)), 'UTF-8')
        }
        helper.registerAllowedMethod('writeFile', [Map]) { Map m ->
            Path p = workspace.resolve(m.file as String)
            Files.createDirectories(p.parent)
            Files.write(p, (m.text as String).getBytes((m.encoding ?: 'UTF-8') as String))
        }
        helper.registerAllowedMethod('libraryResource', [String]) { String name ->
            new String(Files.readAllBytes(Repo.root().resolve('resources').resolve(name)), 'UTF-8')
        }
        helper.registerAllowedMethod('junit', [String]) { String pattern ->
            junitReports << pattern
            def matcher = workspace.fileSystem.getPathMatcher("glob:${pattern}")
            int found = 0
            Files.walk(workspace).each { Path f -> if (matcher.matches(workspace.relativize(f))) { found++ } }
            if (found == 0) {
                throw new PipelineError("No test report files were found matching ${pattern}")
            }
        }
        helper.registerAllowedMethod('stash', [Map]) { Map m ->
            Path f = workspace.resolve(m.includes as String)
            stashes[m.name as String] = [(m.includes as String): Files.readAllBytes(f)]
        }
        helper.registerAllowedMethod('unstash', [String]) { String name ->
            if (!stashes.containsKey(name)) {
                throw new PipelineError("No such saved stash ‘${name}’")
            }
            stashes[name].each { String file, byte[] bytes -> Files.write(workspace.resolve(file), bytes) }
        }
        helper.registerAllowedMethod('withCredentials', [List, Closure]) { List bindings, Closure body ->
            bindings.each { Map b ->
                credentialsUsed << (b.credentialsId as String)
                if (b.variable) {
                    bound[b.variable as String] = secretTexts[b.credentialsId as String]
                } else {
                    bound[b.accessKeyVariable as String] = ACCESS_KEY
                    bound[b.secretKeyVariable as String] = SECRET_KEY
                }
            }
            // Under the CPS interpreter the body runs after this mock returns, so the binding stays in place.
            body.call()
        }
    }

    /** Runs a shell command for real, like a Jenkins agent would, and records it and its output. */
    Object sh(Map args) {
        String script = args.script
        commands << script
        ProcessBuilder pb = new ProcessBuilder('bash', '-c', script).directory(workspace.toFile())
                .redirectErrorStream(false)
        pb.environment().putAll(env)
        pb.environment().putAll(bound)
        pb.environment().put('AWS_DEPLOY_LAYER_CACHE', '0') // ecrPush's layer cache: not in the home folder of tests
        Process p = pb.start()
        def err = new StringBuilder()
        def out = new StringBuilder()
        p.consumeProcessOutput(out, err)
        int status = p.waitFor()
        Thread.sleep(20)
        log.append(out).append(err)
        if (args.returnStatus) {
            return status
        }
        if (status != 0) {
            throw new PipelineError("script returned exit code ${status}")
        }
        return args.returnStdout ? out.toString() : null
    }

    /** Sets an env value the pipeline's own environment section cannot override (a test's stand-in values). */
    void pin(String name, String value) {
        ((PinnedEnv) env).pin(name, value)
    }

    /** env whose pinned entries ignore later assignments. */
    static class PinnedEnv extends LinkedHashMap<String, String> {
        private final Set<String> pinned = [] as Set

        void pin(String name, String value) {
            pinned << name
            super.put(name, value)
        }

        @Override
        String put(String key, String value) {
            return pinned.contains(key) ? get(key) : super.put(key, value)
        }
    }

    /** What Jenkins' error step throws. */
    static class PipelineError extends RuntimeException {
        PipelineError(String message) {
            super(message)
        }
    }
}
