package dev.awsdeploy.pipeline

import com.cloudbees.groovy.cps.NonCPS
import groovy.json.JsonSlurperClassic

/** The aws-deploy command line for a step, and the reading of what it answered. Pure functions, no steps. */
class CliCommand implements Serializable {
    private static final long serialVersionUID = 1L
    static final int NOT_FOUND = 127
    static final int NOT_EXECUTABLE = 126
    private static final Map<Integer, String> EXITS = [2: 'bad input', 3: 'failed', 4: 'timed out']

    /**
     * {@code aws-deploy cloudwatch-alarm put --alarm-name 'X' ... --output json > result}, shell-quoted.
     * @param files [dir: where results go, result: the JSON result file, record: the deployment record file,
     *              report: the deployment report (HTML) beside it]
     */
    @NonCPS
    static String commandLine(String cli, String cliPath, Map input, Map files) {
        List<String> words = [quote(cli)]
        words.addAll(cliPath.split(' ') as List)
        input.each { key, value ->
            if (value instanceof Collection) {
                // One flag per item, so an item may hold a comma (the CLI reads a repeated flag as a list).
                (value as Collection).each { item ->
                    words << '--' + kebab(key as String)
                    words << quote(item.toString())
                }
            } else if (value != null) {
                words << '--' + kebab(key as String)
                words << quote(value.toString())
            }
        }
        words.addAll(['--output', 'json', '--record', quote(files.record as String)])
        if (files.report) {
            words.addAll(['--report', quote(files.report as String)])
        }
        return "mkdir -p ${quote(files.dir as String)} && ${words.join(' ')} > ${quote(files.result as String)}"
    }

    @NonCPS
    static String kebab(String camel) {
        return camel.replaceAll(/([A-Z])/) { all, c -> '-' + c.toLowerCase() }
    }

    @NonCPS
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'"
    }

    /** The CLI's JSON result as a plain (serialisable) Map, or null when it printed none. */
    @NonCPS
    static Map parseResult(String text) {
        if (!text?.trim()) {
            return null
        }
        Object parsed = new JsonSlurperClassic().parseText(text)
        return parsed instanceof Map ? parsed as Map : null
    }

    /** Null when the step succeeded; otherwise what to tell the user. */
    @NonCPS
    static String failureMessage(String label, int status, Map result) {
        if (status == 0 && result != null) {
            return null
        }
        if (status == 0) {
            return "${label}: the aws-deploy CLI printed no result; see the log above"
        }
        String what = EXITS[status] ?: "unexpected error (exit ${status})"
        if (result?.problems) {
            List<String> lines = result.problems.collect { Map p ->
                "${p.parameter}${p.value != null ? " '${p.value}'" : ''}: ${p.message}${p.fix ? '; ' + p.fix : ''}"
            }
            return "${label}: ${what}: ${lines.join('; ')}"
        }
        String summary = result?.summary ?: result?.message ?: 'see the log above'
        return "${label}: ${what}: ${summary}"
    }

    /** The closest known name within a small edit distance, or null. */
    @NonCPS
    static String nearest(String given, List<String> known) {
        String best = null
        int bestDistance = Integer.MAX_VALUE
        for (String k : known) {
            int d = distance(given.toLowerCase(), k.toLowerCase())
            if (d < bestDistance) {
                bestDistance = d
                best = k
            }
        }
        return bestDistance <= Math.max(2, (int) (given.length() / 4)) ? best : null
    }

    @NonCPS
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1]
        int[] cur = new int[b.length() + 1]
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost)
            }
            int[] t = prev
            prev = cur
            cur = t
        }
        return prev[b.length()]
    }
}
