package dev.awsdeploy.library

import static org.junit.Assert.assertEquals

import org.junit.Before
import org.junit.Test

/** The declarative model the Jenkinsfile test relies on behaves as Jenkins does for the parts it models. */
class DeclarativeHarnessTest extends LibraryPipelineTest {
    Declarative declarative = new Declarative()
    Map params = [:]

    @Before
    void setUp() {
        setUpLibrary()
        declarative.register(helper, binding, env, params)
    }

    @Test
    void sectionsRunInOrderWithEnvironmentWhenAndPostSuccess() {
        env.ONLY = ''
        runScript('declarative-smoke.jenkins')
        assertEquals(['One', 'Two'], declarative.stagesRun)
        assertEquals('one hello\ntwo\npost success\n', log.toString())
    }

    @Test
    void afterAFailedStageOnlyThePostFailureConditionRuns() {
        env.ONLY = ''
        helper.registerAllowedMethod('echo', [String]) { String s ->
            if (s == 'two') {
                throw new LibraryPipelineTest.PipelineError('stage Two failed')
            }
            log.append(s).append('\n')
        }
        try {
            runScript('declarative-smoke.jenkins')
        } catch (LibraryPipelineTest.PipelineError e) {
            declarative.runPostAfterFailure { runScript('declarative-smoke.jenkins') }
        }
        assertEquals('one hello\npost failure\n', log.toString())
    }

    @Test
    void aFalseWhenSkipsTheStage() {
        env.ONLY = 'One'
        runScript('declarative-smoke.jenkins')
        assertEquals(['One'], declarative.stagesRun)
        assertEquals(['Two'], declarative.stagesSkipped)
    }
}
