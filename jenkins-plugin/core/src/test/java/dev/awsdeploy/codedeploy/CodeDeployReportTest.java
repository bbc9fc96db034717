package dev.awsdeploy.codedeploy;

import static dev.awsdeploy.codedeploy.CodeDeployFake.look;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.awsdeploy.report.Page;
import dev.awsdeploy.testing.AwsFront;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.FakeClock;
import dev.awsdeploy.testing.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Given a CodeDeploy deployment that fails on one instance and is rolled back by CodeDeploy, the report shows the
 * instance counts over time, the failed instance's lifecycle event, and the rollback deployment.
 */
class CodeDeployReportTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    AwsFront front = new AwsFront(moto);
    @TempDir
    Path tmp;

    private CodeDeployFake fake;
    private Cli cli;

    @BeforeEach
    void given() {
        fake = new CodeDeployFake(front);
        cli = new Cli(front.url()).clock(new FakeClock());
        fake.givenApplication(moto, "Server", "myapp/app-1.2.3.zip", "CodeDeployDefault.OneAtATime");
    }

    @Test
    void aFailedDeploymentRolledBackByCodeDeployDrawsCountsTheFailedInstanceAndTheRollback() throws Exception {
        fake.lifecycle(look("InProgress").counts(3, 0, 0, 0, 0), look("InProgress").counts(1, 1, 1, 0, 0),
                look("Failed").counts(0, 0, 1, 1, 1).error("SCRIPT_FAILED", "Script at specified location: "
                        + "scripts/start_server.sh run as user root failed with exit code 1")
                        .rollback("d-ROLLBACK01", "Rollback in progress"));
        fake.lifecycleOf("d-ROLLBACK01", look("InProgress").id("d-ROLLBACK01").counts(1, 1, 0, 0, 0),
                look("Succeeded").id("d-ROLLBACK01").counts(0, 0, 2, 0, 0));
        fake.failedInstance("i-0abc1234def567890", "ApplicationStart", "ScriptFailed",
                "Script at specified location: scripts/start_server.sh run as user root failed with exit code 1",
                "[stdout]starting\n[stderr]port 8080 already in use");
        Path record = tmp.resolve("record.json");
        Path report = tmp.resolve("report.html");

        Cli.Run r = cli.run("code-deploy-rolling", "--application", "myapp", "--deployment-group", "prod",
                "--s3-bucket", "releases", "--s3-key", "myapp/app-1.2.3.zip", "--record", record.toString(),
                "--report", report.toString());

        assertEquals(3, r.exit(), r.toString());
        assertEquals(1, fake.count("CreateDeployment"));
        Page page = Page.of(Files.readString(report));
        page.assertHasText("//h1/span", "FAILED — ROLLED BACK");
        page.assertHasText("//p[@class='summary']", "rolled back by d-ROLLBACK01");
        String chart = "//svg[@id='instances-chart']";
        assertEquals(List.of("InProgress", "Failed"),
                page.texts(chart + "/g[@class='deployment-status']/g[@class='band']/rect/title").stream()
                        .map(t -> t.substring(t.lastIndexOf(' ') + 1)).toList());
        List<String> counts = page.texts(chart + "/g[@class='instances']/rect/title");
        for (String c : List.of("pending 3", "in progress 1", "succeeded 1", "failed 1", "skipped 1")) {
            assertTrue(counts.stream().anyMatch(t -> t.startsWith(c + " at")), c + " in " + counts);
        }
        page.assertHasText(chart + "/g[@class='marker']/text", "rollback d-ROLLBACK01 at");
        page.assertHasText(chart + "/g[@class='phases']/g[@class='band']/rect/title", "CodeDeploy rolls back");
        List<String> failed = page.texts("//table[@class='failures']//td");
        assertEquals("i-0abc1234def567890", failed.get(0));
        assertEquals("ApplicationStart failed", failed.get(1));
        assertTrue(failed.get(2).contains("scripts/start_server.sh") && failed.get(2).contains("port 8080 already in use"),
                failed.toString());
        page.assertHasText("//figcaption", "Rolled back at");
        page.assertHasText("//figcaption", "SCRIPT_FAILED");
        page.assertHasText("//figcaption", "rollback deployment d-ROLLBACK01 Succeeded");
        page.assertHasText("//table[@class='api-calls']//td", "CodeDeploy.CreateDeployment");
    }

    @Test
    void aBadRecordIsBadInputNamingTheFile() throws Exception {
        Path notARecord = tmp.resolve("result.json");
        Files.writeString(notARecord, "{\"outcome\":\"SUCCEEDED\"}");

        Cli.Run r = cli.run("report", notARecord.toString());
        Cli.Run missing = cli.run("report", tmp.resolve("nope.json").toString());

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("RECORD.json '" + notARecord + "' is not a deployment record"), r.err());
        assertEquals(2, missing.exit(), missing.toString());
        assertTrue(missing.err().contains("does not exist; give the file written with --record FILE"), missing.err());
        assertEquals(0, fake.count("CreateDeployment"), "nothing called AWS");
    }
}
