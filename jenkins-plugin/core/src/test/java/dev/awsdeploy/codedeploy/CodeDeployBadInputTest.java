package dev.awsdeploy.codedeploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.testing.AwsFront;
import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Given inputs that cannot work, codeDeployRolling exits 2 naming the parameter, the value and the fix, and
 * nothing in AWS changed: no mutating request reached moto or WireMock.
 */
class CodeDeployBadInputTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    AwsFront front = new AwsFront(moto);
    @TempDir
    static Path tmp;

    private static final String ECS_ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7";

    static Stream<Arguments> cases() {
        return Stream.of(
                bad("the source document's combined config", "Server", "minimumHealthyHosts",
                        "cannot be combined in one deployment config; AWS takes one or the other",
                        "--minimum-healthy-hosts", "FLEET_PERCENT:75", "--traffic-routing", "Canary10Percent5Minutes"),
                bad("a fleet percentage over 100", "Server", "minimumHealthyHosts 'FLEET_PERCENT:150'",
                        "percentage must be between 0 and 99", "--minimum-healthy-hosts", "FLEET_PERCENT:150"),
                bad("a negative host count", "Server", "minimumHealthyHosts 'HOST_COUNT:-1'",
                        "host count cannot be negative", "--minimum-healthy-hosts", "HOST_COUNT:-1"),
                bad("minimum healthy hosts without a type", "Server", "minimumHealthyHosts '75%'",
                        "is not TYPE:VALUE", "--minimum-healthy-hosts", "75%"),
                bad("a misspelt predefined config", "Server", "deploymentConfig 'CodeDeployDefault.OneAtATme'",
                        "did you mean 'CodeDeployDefault.OneAtATime'?", "--deployment-config",
                        "CodeDeployDefault.OneAtATme"),
                bad("an unknown custom config", "Server", "deploymentConfig 'team-rolling-50'",
                        "no such deployment config in this account and region", "--deployment-config",
                        "team-rolling-50"),
                bad("a config by name and inline at once", "Server", "deploymentConfig 'CodeDeployDefault.AllAtOnce'",
                        "is given together with minimumHealthyHosts", "--deployment-config",
                        "CodeDeployDefault.AllAtOnce", "--minimum-healthy-hosts", "HOST_COUNT:1"),
                bad("an ECS config for an EC2 application", "Server", "deploymentConfig "
                        + "'CodeDeployDefault.ECSCanary10Percent5Minutes'", "is for the ECS platform",
                        "--deployment-config", "CodeDeployDefault.ECSCanary10Percent5Minutes"),
                bad("traffic routing on the EC2 platform", "Server", "trafficRouting 'Canary10Percent5Minutes'",
                        "traffic routing is for ECS/Lambda", "--traffic-routing", "Canary10Percent5Minutes"),
                bad("an unknown traffic routing", "ECS", "trafficRouting 'Canary10Percent'", "is not a traffic routing",
                        "--traffic-routing", "Canary10Percent", "--ecs"),
                bad("a 100 percent canary", "ECS", "trafficRouting 'Canary100Percent5Minutes'",
                        "percentage must be between 1 and 99", "--traffic-routing", "Canary100Percent5Minutes",
                        "--ecs"),
                bad("minimum healthy hosts on ECS", "ECS", "minimumHealthyHosts 'FLEET_PERCENT:75'",
                        "minimum healthy hosts is for EC2/on-premises", "--minimum-healthy-hosts", "FLEET_PERCENT:75",
                        "--ecs"),
                bad("a bundle folder that does not exist", "Server", "bundle '" + tmp + "/no-such-folder'",
                        "does not exist", "--no-s3", "--bundle", tmp + "/no-such-folder", "--s3-bucket", "releases"),
                bad("a bundle folder without appspec.yml", "Server", "bundle '" + tmp + "/empty'",
                        "has no appspec.yml at its root", "--no-s3", "--bundle", tmp + "/empty", "--s3-bucket",
                        "releases"),
                bad("a bundle without a bucket", "Server", "s3Bucket: is required to upload the bundle",
                        "name the S3 bucket", "--no-s3", "--bundle", tmp + "/good"),
                bad("no revision at all", "Server", "revision: no revision given",
                        "give s3Bucket + s3Key", "--no-s3"),
                bad("an S3 key that is not in the bucket", "Server", "s3Key 'myapp/app-9.9.9.zip'",
                        "no such object in bucket releases", "--no-s3", "--s3-bucket", "releases", "--s3-key",
                        "myapp/app-9.9.9.zip"),
                bad("an unknown bundle type", "Server", "bundleType 'rar'", "is not one of zip, tar, tgz",
                        "--bundle-type", "rar"),
                bad("ECS without containerName", "ECS", "containerName: is required for an ECS deployment",
                        "name the container", "--no-s3", "--task-definition", ECS_ARN, "--container-port", "8080"),
                bad("a container port out of range", "ECS", "containerPort '70000'", "must be between 1 and 65535",
                        "--no-s3", "--task-definition", ECS_ARN, "--container-name", "web", "--container-port", "70000"),
                bad("a task definition that is neither ARN nor file", "ECS", "taskDefinition 'web:7'",
                        "is neither a task definition ARN nor an existing file", "--no-s3", "--task-definition", "web:7",
                        "--container-name", "web", "--container-port", "8080"),
                bad("a task definition that does not exist", "ECS", "taskDefinition '"
                        + "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:9'", "no such task definition",
                        "--no-s3", "--task-definition", "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:9",
                        "--container-name", "web", "--container-port", "8080"),
                bad("a container the task definition does not have", "ECS", "containerName 'wbe'",
                        "is not a container of arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1; did you "
                                + "mean 'web'?", "--no-s3", "--task-definition",
                        "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1", "--container-name", "wbe",
                        "--container-port", "8080"),
                bad("an S3 bundle for an ECS application", "ECS", "s3Key 'myapp/app-1.2.3.zip'",
                        "deploys to ECS; an S3 bundle is for EC2/on-premises"),
                bad("a timeout written in words", "Server", "timeout '1 hour'", "is not a duration",
                        "--timeout", "1 hour"),
                bad("a timeout over a day", "Server", "timeout '25h'", "must be between 1m and 24h", "--timeout", "25h"),
                bad("an unknown file-exists behaviour", "Server", "fileExistsBehavior 'REPLACE'",
                        "is not one of DISALLOW, OVERWRITE, RETAIN", "--file-exists-behavior", "REPLACE"),
                bad("an alarm that does not exist", "Server", "alarms 'HighErorRate'",
                        "no such alarm in this account and region", "--alarms", "HighErorRate"),
                bad("an application that does not exist", "Server", "application 'my-app'",
                        "did you mean 'myapp'?", "--application", "my-app"),
                bad("awaitPromotion together with continueAtReady", "ECS", "awaitPromotion 'true'",
                        "contradicts continueAtReady: true", "--ecs", "--await-promotion", "--continue-at-ready"),
                bad("an unknown action", "Server", "action 'promot'", "did you mean 'promote'?", "--action",
                        "promot"),
                bad("a deploy-only parameter with promote", "Server", "minimumHealthyHosts 'FLEET_PERCENT:75'",
                        "applies only to action 'deploy', not 'promote'", "--no-s3", "--action", "promote",
                        "--minimum-healthy-hosts", "FLEET_PERCENT:75"),
                bad("abort with nothing waiting at Ready", "Server", "action 'abort'",
                        "nothing waits at Ready on myapp/prod — no deployment has run on the group yet", "--no-s3",
                        "--action", "abort"),
                bad("a lock timeout over a day", "Server", "lockTimeout '25h'", "must be between 0s and 24h",
                        "--lock-timeout", "25h"),
                bad("a deployment group that does not exist", "Server", "deploymentGroup 'production'",
                        "no such deployment group in application myapp", "--deployment-group", "production"));
    }

    private static Arguments bad(String name, String platform, String expectParam, String expectText,
                                 String... extra) {
        return Arguments.of(name, platform, expectParam, expectText, List.of(extra));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInputExits2NamingTheParameterAndChangesNothing(String name, String platform, String expectParam,
                                                           String expectText, List<String> extra) throws Exception {
        given(platform);
        List<String> args = new ArrayList<>(List.of("code-deploy-rolling", "--deployment-group", "prod"));
        boolean s3 = !extra.contains("--no-s3");
        if (!extra.contains("--application")) {
            args.addAll(List.of("--application", "myapp"));
        }
        if (s3) {
            args.addAll(List.of("--s3-bucket", "releases", "--s3-key", "myapp/app-1.2.3.zip"));
        }
        if (extra.contains("--ecs")) {
            args.clear();
            args.addAll(List.of("code-deploy-rolling", "--application", "myapp", "--deployment-group", "prod",
                    "--task-definition", ECS_ARN, "--container-name", "web", "--container-port", "8080"));
        }
        List<String> rest = new ArrayList<>(extra);
        rest.removeAll(List.of("--no-s3", "--ecs"));
        if (rest.contains("--deployment-group")) {
            args.subList(1, 3).clear();
        }
        args.addAll(rest);
        new CodeDeployFake(front).noSuchConfig();
        moto.startCounting();

        Cli.Run r = new Cli(front.url()).run(args);

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains(expectParam), "expected the parameter '" + expectParam + "' named:\n" + r);
        assertTrue(r.err().contains(expectText), "expected '" + expectText + "':\n" + r);
        assertEquals(List.of(), moto.mutatingRequests());
        assertEquals(0, mutatingThroughFront(), "mutating calls answered by WireMock");
    }

    @Test
    void theCombinedConfigErrorShowsBothValidForms() {
        Cli.Run r = new Cli(front.url()).run("code-deploy-rolling", "--application", "myapp", "--deployment-group",
                "prod", "--s3-bucket", "releases", "--s3-key", "a.zip", "--minimum-healthy-hosts", "FLEET_PERCENT:75",
                "--traffic-routing", "Canary10Percent5Minutes", "--output", "json");

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("minimumHealthyHosts: 'FLEET_PERCENT:75'"), r.err());
        assertTrue(r.err().contains("trafficRouting: 'Canary10Percent5Minutes'"), r.err());
        assertTrue(r.err().contains("EC2/on-premises platform"), r.err());
        assertTrue(r.err().contains("ECS/Lambda"), r.err());
        // Stopped before any call at all: not even the caller identity was read.
        assertEquals(0, front.wiremock().getAllServeEvents().size());
    }

    @Test
    void everyProblemIsReportedInOneGo() throws Exception {
        Cli.Run r = new Cli(front.url()).run("code-deploy-rolling", "--deployment-group", "prod", "--bundle",
                tmp + "/missing", "--timeout", "1 hour", "--minimum-healthy-hosts", "FLEET_PERCENT:150",
                "--output", "json");

        assertEquals(2, r.exit(), r.toString());
        JsonNode problems = Json.MAPPER.readTree(r.out()).path("problems");
        List<String> params = new ArrayList<>();
        problems.forEach(p -> params.add(p.path("parameter").asText()));
        assertTrue(params.containsAll(List.of("application", "bundle", "s3Bucket", "timeout",
                "minimumHealthyHosts")), params.toString());
    }

    private int mutatingThroughFront() {
        int n = 0;
        for (var e : front.wiremock().getAllServeEvents()) {
            String target = e.getRequest().getHeader("X-Amz-Target");
            String op = target == null ? e.getRequest().getMethod().value() : target.substring(
                    target.lastIndexOf('.') + 1);
            boolean read = op.startsWith("Get") || op.startsWith("List") || op.startsWith("BatchGet")
                    || op.startsWith("Describe") || op.equals("HEAD") || op.equals("GET")
                    || (op.equals("POST") && e.getRequest().getBodyAsString().contains("GetCallerIdentity"))
                    || (op.equals("POST") && e.getRequest().getBodyAsString().contains("Action=Describe"));
            if (!read) {
                n++;
            }
        }
        return n;
    }

    private void given(String platform) throws Exception {
        Files.createDirectories(tmp.resolve("empty"));
        Files.createDirectories(tmp.resolve("good"));
        Files.writeString(tmp.resolve("good/appspec.yml"), "version: 0.0\nos: linux\n");
        CodeDeployFake fake = new CodeDeployFake(front);
        fake.givenApplication(moto, platform, "myapp/app-1.2.3.zip", null);
        fake.wiremock().stubFor(AwsFront.operation("GetApplication").atPriority(6)
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("\"my-app\""))
                .willReturn(AwsFront.jsonError(400,
                "ApplicationDoesNotExistException", "The application my-app does not exist with the user or AWS "
                        + "account.")));
    }
}
