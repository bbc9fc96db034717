package dev.awsdeploy.library

import com.lesfurets.jenkins.unit.PipelineTestHelper

/**
 * Just enough of declarative Pipeline for JenkinsPipelineUnit 1.1 under the CPS interpreter: sections run in
 * file order (a mock hands its closure on to the interpreter, which runs it after the mock returns), stages can be
 * restricted to those a "Restart from Stage" would run, `when { environment name:, value: }` is honoured, environment and
 * parameters reach env/params, and post conditions run when their condition holds. A post block after a failed
 * stage is run by {@link #runPostAfterFailure}.
 */
class Declarative {
    final List<String> stagesRun = []
    final List<String> stagesSkipped = []
    final Map<String, Closure> post = [:]
    Set<String> onlyStages = null
    String currentStage
    boolean whenSaysNo
    String result = 'SUCCESS'
    /** How the test answers each `input`: 'proceed', or 'abort' (the person clicks Abort, or the timeout passes). */
    String inputAnswer = 'proceed'
    final List<String> inputsAsked = []
    /** What happens in the world while the question waits for its answer. */
    Closure whileInputWaits

    /**
     * Jenkins runs post conditions after a failed stage; the interpreter here cannot resume after the error, so
     * the script is run again with every stage skipped and the result FAILURE: only its post section acts.
     */
    void runPostAfterFailure(Closure runScript) {
        onlyStages = [] as Set
        result = 'FAILURE'
        runScript.call()
    }

    void register(PipelineTestHelper helper, Binding binding, Map env, Map params) {
        binding.setVariable('any', 'any')
        binding.setVariable('params', params)
        helper.registerAllowedMethod('pipeline', [Closure]) { Closure body -> body.call() }
        helper.registerAllowedMethod('agent', [String]) { String a -> null }
        helper.registerAllowedMethod('agent', [Closure]) { Closure body -> null }
        helper.registerAllowedMethod('agent', [Map]) { Map m -> null }
        helper.registerAllowedMethod('label', [String]) { String l -> null }
        helper.registerAllowedMethod('options', [Closure]) { Closure body -> body.call() }
        helper.registerAllowedMethod('disableConcurrentBuilds', []) { -> null }
        helper.registerAllowedMethod('preserveStashes', []) { -> null }
        helper.registerAllowedMethod('timestamps', []) { -> null }
        helper.registerAllowedMethod('timeout', [Map]) { Map m -> null }
        helper.registerAllowedMethod('timeout', [Map, Closure]) { Map m, Closure body -> body.call() }
        // An input answered by the test. Abort makes the stage (and so the build) ABORTED, as Jenkins does: its
        // post { aborted } runs, later stages do not.
        helper.registerAllowedMethod('input', [Map]) { Map m ->
            inputsAsked << (m.message as String)
            whileInputWaits?.call()
            if (inputAnswer == 'abort') {
                result = 'ABORTED'
            }
            null
        }
        helper.registerAllowedMethod('buildDiscarder', [Object]) { Object o -> null }
        helper.registerAllowedMethod('logRotator', [Map]) { Map m -> null }
        helper.registerAllowedMethod('parameters', [Closure]) { Closure body -> body.call() }
        helper.registerAllowedMethod('string', [Map]) { Map m ->
            if (m.credentialsId) {
                return m   // a secret-text binding for withCredentials
            }
            if (!params.containsKey(m.name)) {
                params[m.name] = m.defaultValue ?: ''
            }
            null
        }
        helper.registerAllowedMethod('booleanParam', [Map]) { Map m ->
            if (!params.containsKey(m.name)) {
                params[m.name] = m.defaultValue ?: false
            }
            null
        }
        helper.registerAllowedMethod('environment', [Closure]) { Closure body ->
            // Assignments in an environment section set env variables, as in Jenkins.
            body.delegate = env
            body.resolveStrategy = Closure.DELEGATE_FIRST
            body.call()
        }
        helper.registerAllowedMethod('environment', [Map]) { Map condition ->
            // when { environment name: 'X', value: 'v' }
            if (((env[condition.name] ?: '') as String) != ((condition.value ?: '') as String)) {
                whenSaysNo = true
            }
            null
        }
        helper.registerAllowedMethod('stages', [Closure]) { Closure body -> body.call() }
        helper.registerAllowedMethod('stage', [String, Closure]) { String name, Closure body ->
            if (onlyStages != null && !onlyStages.contains(name) || result == 'ABORTED') {
                stagesSkipped << name
                return null
            }
            currentStage = name
            whenSaysNo = false
            body.call()
        }
        helper.registerAllowedMethod('when', [Closure]) { Closure body -> body.call() }
        helper.registerAllowedMethod('steps', [Closure]) { Closure body ->
            if (whenSaysNo) {
                stagesSkipped << currentStage
                return null
            }
            stagesRun << currentStage
            body.call()
        }
        helper.registerAllowedMethod('post', [Closure]) { Closure body -> body.call() }
        helper.registerAllowedMethod('script', [Closure]) { Closure body -> body.call() }
        ['always', 'success', 'failure', 'unstable', 'changed', 'fixed', 'regression', 'aborted', 'cleanup']
                .each { String condition ->
                    helper.registerAllowedMethod(condition, [Closure]) { Closure body ->
                        post[condition] = body
                        boolean runNow = condition in ['always', 'cleanup'] ||
                                condition == 'success' && result == 'SUCCESS' ||
                                condition == 'failure' && result == 'FAILURE' ||
                                condition == 'aborted' && result == 'ABORTED'
                        runNow ? body.call() : null
                    }
                }
    }
}
