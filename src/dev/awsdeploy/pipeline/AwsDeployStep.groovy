package dev.awsdeploy.pipeline

import com.cloudbees.groovy.cps.NonCPS

/**
 * Runs one aws-deploy step for a var: checks the parameter names, applies the library's defaults, then calls
 * the aws-deploy plugin's step when it is installed, or else the aws-deploy CLI on the agent inside
 * withCredentials. Returns the step's result as a Map.
 */
class AwsDeployStep implements Serializable {
    private static final long serialVersionUID = 1L

    /** Parameters every step takes; credentialsId is resolved here, never passed to the engine. */
    static final List<String> COMMON = ['region', 'roleArn', 'externalId', 'roleSessionName',
                                        'roleDurationSeconds', 'dryRun', 'credentialsId']

    /**
     * @param step [name: 'cloudWatchAlarm', action: 'put' (or null), cli: 'cloudwatch-alarm put',
     *             params: the step's own parameter names]
     */
    static Map run(Object script, Map step, Map args) {
        Map input = withDefaults(script, args ?: [:])
        String action = step.action
        String label = action ? "${step.name} ${action}" : step.name
        String unknown = unknownKeys(input, (step.params as List<String>) + COMMON)
        if (unknown) {
            script.error("${label}: ${unknown}")
        }
        if (pluginInstalled()) {
            Map stepArgs = [:]
            stepArgs.putAll(input)
            if (action) {
                stepArgs.action = action
            }
            // The plugin's properties are typed; the CLI takes text. Coerce as the CLI would read it.
            Map coerced = PluginArgs.coerce(stepArgs, PluginArgs.types(step.name as String))
            if (coerced.problems) {
                script.error("${label}: bad input: ${coerced.problems.join('; ')}")
            }
            return script.steps."${step.name}"(coerced.args) as Map
        }
        return runCli(script, label, step.cli as String, input)
    }

    private static Map withDefaults(Object script, Map args) {
        Map input = [:]
        input.putAll(args)
        if (input.region == null && script.env.AWS_REGION) {
            input.region = script.env.AWS_REGION
        }
        if (input.credentialsId == null && script.env.AWS_DEPLOY_CREDENTIALS_ID) {
            input.credentialsId = script.env.AWS_DEPLOY_CREDENTIALS_ID
        }
        return input
    }

    private static Map runCli(Object script, String label, String cliPath, Map input) {
        String cli = script.env.AWS_DEPLOY_CLI ?: 'aws-deploy'
        String dir = '.aws-deploy'
        String id = "${UUID.randomUUID()}"
        Map files = [dir: dir, result: "${dir}/${id}.json", record: "${dir}/${id}-record.json",
                     report: "${dir}/${id}-report.html"]
        String resultFile = files.result
        String recordFile = files.record
        Map engineInput = [:]
        engineInput.putAll(input)
        String credentialsId = engineInput.remove('credentialsId')
        String command = CliCommand.commandLine(cli, cliPath, engineInput, files)
        int status
        if (credentialsId) {
            script.withCredentials([[$class: 'AmazonWebServicesCredentialsBinding', credentialsId: credentialsId,
                                     accessKeyVariable: 'AWS_ACCESS_KEY_ID',
                                     secretKeyVariable: 'AWS_SECRET_ACCESS_KEY']]) {
                status = script.sh(script: command, returnStatus: true) as int
            }
        } else {
            status = script.sh(script: command, returnStatus: true) as int
        }
        if (status == CliCommand.NOT_FOUND || status == CliCommand.NOT_EXECUTABLE) {
            script.error("${label}: the aws-deploy CLI '${cli}' was not found on this agent; install it "
                    + '(bin/aws-deploy and its jar, Java 17) and put it on PATH, set AWS_DEPLOY_CLI to its path, '
                    + 'or install the aws-deploy plugin')
        }
        String text = script.fileExists(resultFile) ? script.readFile(file: resultFile, encoding: 'UTF-8') : ''
        Map result = CliCommand.parseResult(text)
        if (result != null && script.fileExists(recordFile)) {
            result.record = recordFile
        }
        if (result != null && script.fileExists(files.report as String)) {
            result.report = files.report
        }
        String failure = CliCommand.failureMessage(label, status, result)
        if (failure) {
            script.error(failure)
        }
        return result
    }

    /** Whether the aws-deploy plugin is installed on this controller (false outside Jenkins). */
    @NonCPS
    static boolean pluginInstalled() {
        try {
            Class jenkins = AwsDeployStep.classLoader.loadClass('jenkins.model.Jenkins')
            Object instance = jenkins.getMethod('get').invoke(null)
            return instance.getPlugin('aws-deploy') != null
        } catch (ClassNotFoundException ignored) {
            return false
        }
    }

    @NonCPS
    static String unknownKeys(Map input, List<String> known) {
        List<String> problems = []
        for (Object key : input.keySet()) {
            String k = key as String
            if (!known.contains(k)) {
                String near = CliCommand.nearest(k, known)
                problems << (near ? "unknown parameter '${k}': did you mean '${near}'?"
                        : "unknown parameter '${k}': the parameters are ${known.join(', ')}")
            }
        }
        return problems.join('; ')
    }
}
