package dev.awsdeploy.ecr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.awsdeploy.testing.Cli;
import dev.awsdeploy.testing.Images;
import dev.awsdeploy.testing.MotoServer;
import dev.awsdeploy.testing.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input fails with exit 2 naming the parameter, its value and the fix — before any call that changes AWS, and
 * before anything is sent to the registry.
 */
class EcrPushBadInputTest {
    @RegisterExtension
    static MotoServer moto = MotoServer.shared();
    @RegisterExtension
    static RegistryServer registry = RegistryServer.shared();

    @TempDir
    static Path dir;
    static String good;
    static String untagged;

    @BeforeAll
    static void images() throws IOException {
        good = "docker-archive:" + Images.dockerArchive(dir.resolve("good.tar"), "app:1", false, Images.layer(7, 4000));
        untagged = "docker-archive:" + Images.dockerArchive(dir.resolve("untagged.tar"), null, false,
                Images.layer(8, 4000));
        Files.writeString(dir.resolve("notes.txt"), "this is not an image archive, just some text that is long enough "
                + "to fill a tar header block".repeat(10));
        byte[] whole = Files.readAllBytes(dir.resolve("good.tar"));
        Files.write(dir.resolve("truncated.tar"), Arrays.copyOf(whole, 3000));
        Path noManifest = dir.resolve("no-manifest.tar");
        try (var out = Files.newOutputStream(noManifest)) {
            out.write(Images.layer(9, 2000));
        }
        Files.createDirectories(dir.resolve("empty-dir"));
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                bad("source", "has an unknown scheme 'tarball'", "--source", "tarball:/tmp/x.tar"),
                bad("source", "has no scheme", "--source", "/tmp/image.tar"),
                bad("source", "does not exist", "--source", "docker-archive:/nonexistent/image.tar"),
                bad("source", "is not a tar archive", "--source", "docker-archive:" + dir.resolve("notes.txt")),
                bad("source", "is truncated", "--source", "docker-archive:" + dir.resolve("truncated.tar")),
                bad("source", "has no manifest.json", "--source", "docker-archive:" + dir.resolve("no-manifest.tar")),
                bad("source", "is not an OCI image layout", "--source", "oci:" + dir.resolve("empty-dir")),
                bad("source", "is required", "--source", ""),
                bad("repository", "did you mean 'team/app'?", "--repository", "Team/App"),
                bad("repository", "is not a valid ECR repository name", "--repository", "my app"),
                bad("tags", "is not a valid image tag", "--tags", "1.0,bad tag!"),
                bad("tags", "the source has no tag of its own", "--source", untagged),
                bad("registryUrl", "is plain http to a host that is not this machine", "--registry-url",
                        "http://10.1.2.3:5000"),
                bad("registryUrl", "must not hold credentials", "--registry-url", "https://AWS:pw@registry.example"),
                bad("registryId", "is not an AWS account id", "--registry-id", "12345"),
                bad("tagMutability", "is not one of MUTABLE, IMMUTABLE", "--create-repository", "--tag-mutability",
                        "FROZEN"),
                bad("kmsKey", "needs encryption KMS", "--create-repository", "--kms-key", "alias/ecr"),
                bad("scanOnPush", "only applies when the repository is created", "--scan-on-push"),
                bad("region", "no AWS region given", "--region", ""),
                bad("mountFrom", "is not a valid ECR repository name", "--mount-from", "team/base,Bad Name"),
                bad("mountFrom", "is the repository pushed to", "--mount-from", "team/app"),
                bad("platform", "is not a platform; write os/architecture[/variant]", "--platform", "arm64"),
                bad("repository", "does not exist in the registry of account 123456789012", "--repository",
                        "not-created-yet"));
    }

    private static Arguments bad(String param, String says, String... override) {
        return Arguments.of(param, says, List.of(override));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("badInputs")
    void badInputIsExit2NamingTheParameterWithNothingChangedOrSent(String param, String says, List<String> override) {
        List<String> args = new ArrayList<>(List.of("ecr-push", "--source", good, "--repository", "team/app",
                "--registry-url", registry.url()));
        for (int i = 0; i < override.size(); i++) {
            String flag = override.get(i);
            boolean hasValue = i + 1 < override.size() && !override.get(i + 1).startsWith("--");
            int at = args.indexOf(flag);
            if (at >= 0) {
                args.remove(at);
                args.remove(at);
            }
            if (hasValue && override.get(i + 1).isEmpty()) {
                i++;
                continue; // the parameter left out
            }
            args.add(flag);
            if (hasValue) {
                args.add(override.get(++i));
            }
        }
        Cli cli = new Cli(moto.url());
        if (param.equals("region")) {
            cli.env("AWS_REGION", null);
        }

        Cli.Run r = cli.run(args);

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("bad input"), r.err());
        assertTrue(r.err().contains(param), r.err());
        assertTrue(r.err().contains(says), r.err());
        assertEquals(List.of(), moto.mutatingRequests(), "no AWS call changed anything");
        assertEquals(List.of(), registry.requests(), "nothing reached the registry");
    }
}
