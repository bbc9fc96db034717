package dev.awsdeploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.awsdeploy.testing.Repo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine's packages depend one way: run/ (the ground floor) on nothing of ours; aws/ on run/ only; the steps
 * on run/ and aws/ (and each other where a step reuses another's part, e.g. the alarm gate); the registry
 * (dev.awsdeploy.Steps) on the steps; the CLI on all of them — and nothing on the CLI. The plugin imports the
 * registry, never the CLI.
 */
class LayeringTest {
    private static final Path MAIN = Repo.root().resolve("jenkins-plugin/core/src/main/java/dev/awsdeploy");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?dev\\.awsdeploy\\.(\\w+)",
            Pattern.MULTILINE);

    /** For each package, the packages of ours it imports, as "from -> to" lines. */
    private static Map<String, List<String>> imports(Path root) {
        Map<String, List<String>> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Path rel = root.relativize(f);
                String from = rel.getNameCount() == 1 ? "(root)" : rel.getName(0).toString();
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    String to = Character.isUpperCase(m.group(1).charAt(0)) ? "(root)" : m.group(1);
                    if (!to.equals(from)) {
                        out.computeIfAbsent(from + " -> " + to, k -> new java.util.ArrayList<>())
                                .add(rel.toString());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    @Test
    void theGroundFloorAndTheAwsLayerDoNotReachUp() {
        Map<String, List<String>> wrong = new TreeMap<>();
        imports(MAIN).forEach((edge, files) -> {
            String from = edge.substring(0, edge.indexOf(' '));
            String to = edge.substring(edge.lastIndexOf(' ') + 1);
            boolean ok = switch (from) {
                case "run" -> false;
                case "aws" -> to.equals("run");
                case "cli" -> true;
                case "(root)" -> !to.equals("cli");
                default -> !to.equals("cli") && !to.equals("(root)");
            };
            if (!ok) {
                wrong.put(edge, files);
            }
        });
        assertEquals(Map.of(), wrong);
    }

    @Test
    void thePluginFindsItsStepsInTheRegistryNotInTheCli() throws IOException {
        Path plugin = Repo.root().resolve("jenkins-plugin/plugin/src/main/java");
        try (Stream<Path> files = Files.walk(plugin)) {
            List<String> cli = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> read(p).contains("import dev.awsdeploy.cli.")).map(Path::toString).toList();
            assertEquals(List.of(), cli);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
