package dev.awsdeploy.library

import static org.junit.Assert.assertEquals
import static org.junit.Assert.assertTrue

import dev.awsdeploy.Steps
import dev.awsdeploy.run.Param
import dev.awsdeploy.run.StepDefinition
import dev.awsdeploy.testing.Repo
import org.junit.Test

/**
 * Parameter documentation cannot drift: each var's .txt lists (as <dt><code>name</code>) exactly the engine's
 * parameters of that step plus the common ones, and README's section of the step has a table row for every one
 * of the step's own parameters and for nothing else.
 */
class DocsMatchEngineTest {
    private static final Set<String> COMMON = (Param.COMMON*.name() + [Param.CREDENTIALS_ID.name()]) as Set

    private static Map<String, Set<String>> engineParameters() {
        Map<String, Set<String>> byStep = [:]
        for (StepDefinition d : Steps.all()) {
            byStep.computeIfAbsent(d.step()) { [] as Set }.addAll(d.params()*.name())
        }
        return byStep
    }

    @Test
    void everyVarTxtListsExactlyItsStepsParameters() {
        engineParameters().each { String step, Set<String> params ->
            String txt = new File(Repo.path("vars/${step}.txt")).getText('UTF-8')
            Set<String> listed = (txt =~ /<dt><code>(\w+)<\/code><\/dt>/).collect { it[1] } as Set
            assertEquals("vars/${step}.txt", (params + COMMON) as Set, listed)
        }
    }

    @Test
    void readmeDocumentsEveryParameterOfEachStepAndNothingElse() {
        String readme = new File(Repo.path('README.md')).getText('UTF-8')
        engineParameters().each { String step, Set<String> params ->
            int start = readme.indexOf("### ${step}\n")
            assertTrue("README has a section ### ${step}", start >= 0)
            int end = readme.indexOf('\n#', start + 4)
            String section = readme.substring(start, end < 0 ? readme.length() : end)
            Set<String> documented = [] as Set
            section.eachLine { String line ->
                if (line.startsWith('| `')) {
                    String firstColumn = line.split(/\|/)[1]
                    documented.addAll((firstColumn =~ /`(\w+)`/).collect { it[1] })
                }
            }
            assertEquals("README ### ${step} parameter rows", params, documented)
        }
    }

    @Test
    void readmeNamesTheCommonParameters() {
        String readme = new File(Repo.path('README.md')).getText('UTF-8')
        COMMON.each { assertTrue(it, readme.contains("`${it}`")) }
    }
}
