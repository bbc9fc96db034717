package dev.awsdeploy.jenkins;

import static org.junit.Assert.assertNull;

import dev.awsdeploy.testing.AwsClients;
import dev.awsdeploy.testing.MotoServer;
import hudson.model.Result;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import jenkins.plugins.git.GitSCMSource;
import jenkins.plugins.git.GitSampleRepoRule;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.libs.GlobalLibraries;
import org.jenkinsci.plugins.workflow.libs.LibraryConfiguration;
import org.jenkinsci.plugins.workflow.libs.SCMSourceRetriever;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;

/**
 * The shared library (vars/, src/, resources/ of this repository, served from git as a global library) with the
 * plugin installed: a declarative Jenkinsfile that calls every step bare in steps {} and inside script {} compiles
 * (declarative validates bare calls against the plugin's steps), and the calls that run reach the plugin's steps
 * with values coerced as the CLI reads them (a list from 'A', a number from '60').
 */
public class LibraryWithPluginTest {
    private static final String REGION = "ap-northeast-2";

    @Rule
    public JenkinsRule r = new JenkinsRule();

    @Rule
    public GitSampleRepoRule library = new GitSampleRepoRule();

    static MotoServer moto = MotoServer.shared();

    @Before
    public void given() throws Exception {
        moto.reset();
        JenkinsAws.credential(r);
        JenkinsAws.environment(r, moto.url(), REGION);
        library.init();
        Path root = repositoryRoot();
        for (String dir : List.of("vars", "src", "resources")) {
            try (Stream<Path> files = Files.walk(root.resolve(dir))) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    library.write(root.relativize(f).toString().replace(File.separatorChar, '/'),
                            Files.readString(f, StandardCharsets.UTF_8));
                }
            }
        }
        library.git("add", ".");
        library.git("commit", "--message=aws-deploy library");
        library.git("checkout", "-B", "master"); // whatever git's default branch name is here
        LibraryConfiguration lib = new LibraryConfiguration("aws-deploy",
                new SCMSourceRetriever(new GitSCMSource(library.toString())));
        lib.setDefaultVersion("master");
        lib.setImplicit(true);
        GlobalLibraries.get().setLibraries(List.of(lib));
    }

    /** jenkins-plugin/plugin is two folders below the repository's root. */
    private static Path repositoryRoot() throws IOException {
        return Path.of(System.getProperty("basedir", ".")).toRealPath().getParent().getParent();
    }

    @Test
    public void everyStepCompilesBareAndInScriptAndTheCallsRunThroughThePlugin() throws Exception {
        String put = "alarmName: 'HighErrorRate', namespace: 'MyApp', metricName: 'Errors', statistic: 'Sum', "
                + "evaluationPeriods: 1, comparisonOperator: 'GreaterThanThreshold'";
        WorkflowJob p = r.jenkins.createProject(WorkflowJob.class, "declarative");
        p.setDefinition(new CpsFlowDefinition(String.join("\n",
                "pipeline {",
                "  agent none",
                "  stages {",
                "    stage('Never runs, must compile') {",
                "      when { expression { false } }",
                "      steps {",
                "        ecrPush source: 'docker-archive:build/image.tar', repository: 'myapp', tags: ['1']",
                "        ecsBlueGreen cluster: 'prod', service: 'myapp', image: 'myapp:1', alarms: ['HighErrorRate']",
                "        codeDeployRolling application: 'myapp', deploymentGroup: 'prod', eTag: 'x', alarms: ['A']",
                "        cloudWatchAlarm file: 'alarms/high-error-rate.json'",
                "        script {",
                "          ecrPush(source: 'docker-archive:build/image.tar', repository: 'myapp', tags: '1,latest')",
                "          ecsBlueGreen(cluster: 'prod', service: 'myapp', image: 'myapp:1', desiredCount: '2')",
                "          codeDeployRolling(application: 'myapp', deploymentGroup: 'prod', containerPort: '8080')",
                "        }",
                "      }",
                "    }",
                "    stage('Alarms') {",
                "      steps {",
                "        cloudWatchAlarm " + put + ", period: 60, threshold: 5",
                "        script {",
                "          def again = cloudWatchAlarm(" + put + ", period: '60', threshold: '5')",
                "          echo \"again=${again.status}\"",
                "          def gate = cloudWatchAlarm.wait(alarms: 'HighErrorRate', duration: '2s', pollInterval: '1s')",
                "          echo \"gate=${gate.status}\"",
                "        }",
                "        cloudWatchAlarm action: 'delete', alarmName: 'HighErrorRate'",
                "      }",
                "    }",
                "  }",
                "}"), true));
        // The credential comes from the library's default: AWS_DEPLOY_CREDENTIALS_ID.
        hudson.slaves.EnvironmentVariablesNodeProperty env = r.jenkins.getGlobalNodeProperties()
                .get(hudson.slaves.EnvironmentVariablesNodeProperty.class);
        env.getEnvVars().put("AWS_DEPLOY_CREDENTIALS_ID", JenkinsAws.CREDENTIALS_ID);

        WorkflowRun b = r.buildAndAssertStatus(Result.SUCCESS, p);

        r.assertLogContains("again=unchanged", b);
        r.assertLogContains("gate=", b);
        r.assertLogContains("cloudWatchAlarm wait", b);
        r.assertLogNotContains("aws-deploy CLI", b); // the plugin ran the steps, not the CLI
        r.assertLogNotContains(JenkinsAws.SECRET_KEY, b);
        try (CloudWatchClient cw = AwsClients.cloudWatch(moto.url(), REGION)) {
            assertNull("deleted by the last call", cw.describeAlarms(d -> d.alarmNames("HighErrorRate"))
                    .metricAlarms().stream().findFirst().orElse(null));
        }
    }

    /**
     * The finding of issue 9: with the plugin installed, Jenkinsfile.example did not compile ("Missing required
     * parameter: action" at its bare cloudWatchAlarm call). Now it compiles, validates and runs its stages.
     */
    @Test
    public void jenkinsfileExampleCompilesWithThePluginInstalled() throws Exception {
        WorkflowJob p = r.jenkins.createProject(WorkflowJob.class, "example");
        p.setDefinition(new CpsFlowDefinition(Files.readString(repositoryRoot().resolve("Jenkinsfile.example"),
                StandardCharsets.UTF_8), true));

        // It ends as this controller allows (no sources, no such cluster); what matters is that it ran at all.
        WorkflowRun b = r.waitForCompletion(p.scheduleBuild2(0).waitForStart());

        r.assertLogNotContains("startup failed", b);
        r.assertLogNotContains("Missing required parameter", b);
        r.assertLogContains("(Test)", b);
    }
}
