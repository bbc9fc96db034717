package dev.awsdeploy.ecr;

import dev.awsdeploy.ecr.DockerArchive.SourceException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * The {@code source} parameter: {@code docker-archive:PATH[:REF]}, {@code oci:DIR[:REF]} or {@code docker:IMAGE}
 * (saved from the local Docker daemon with {@code docker save} into the run's temporary folder).
 */
final class ImageSource {
    static final List<String> SCHEMES = List.of("docker-archive", "oci", "docker");

    private ImageSource() {
    }

    static String scheme(String source) {
        int colon = source.indexOf(':');
        return colon < 0 ? null : source.substring(0, colon);
    }

    /** Reads the image a source names; {@code work} is a private temporary folder for this run. */
    static LocalImage open(String source, Path work, java.util.Map<String, String> env) throws SourceException {
        return open(source, work, env, null);
    }

    /** @param platform the one platform to push (parameter {@code platform}), or null */
    static LocalImage open(String source, Path work, java.util.Map<String, String> env, Platform platform)
            throws SourceException {
        LocalImage image = read(source, work, env, platform);
        if (platform != null && !image.isIndex() && !platform.matches(image.platform())) {
            throw new Platform.PlatformException("is a single-platform image for " + image.platform() + ", not "
                    + platform, "drop platform, or give the source built for " + platform);
        }
        return image;
    }

    private static LocalImage read(String source, Path work, java.util.Map<String, String> env, Platform platform)
            throws SourceException {
        String scheme = scheme(source);
        String rest = source.substring(scheme.length() + 1);
        if (rest.isBlank()) {
            throw new SourceException("names no " + (scheme.equals("docker") ? "image" : "path"),
                    "write it like " + example(scheme));
        }
        return switch (scheme) {
            case "docker-archive" -> {
                String[] pathRef = splitPathRef(rest, false);
                yield DockerArchive.read(uncompressedArchive(Path.of(pathRef[0]), work), pathRef[1]);
            }
            case "oci" -> {
                String[] pathRef = splitPathRef(rest, true);
                yield OciLayout.read(Path.of(pathRef[0]), pathRef[1], platform);
            }
            case "docker" -> DockerArchive.read(dockerSave(docker(env), rest, work), rest);
            default -> throw new IllegalStateException(scheme);
        };
    }

    static String example(String scheme) {
        return switch (scheme) {
            case "oci" -> "oci:build/image or oci:build/image:1.4.2";
            case "docker" -> "docker:myapp:1.4.2";
            default -> "docker-archive:build/image.tar";
        };
    }

    /** PATH or PATH:REF, where PATH is the longest prefix that exists (paths may contain colons). */
    private static String[] splitPathRef(String rest, boolean directory) throws SourceException {
        Path whole = Path.of(rest);
        if (directory ? Files.isDirectory(whole) : Files.isRegularFile(whole)) {
            return new String[] {rest, null};
        }
        for (int i = rest.indexOf(':'); i > 0; i = rest.indexOf(':', i + 1)) {
            Path p = Path.of(rest.substring(0, i));
            if (directory ? Files.isDirectory(p) : Files.isRegularFile(p)) {
                return new String[] {rest.substring(0, i), rest.substring(i + 1)};
            }
        }
        if (Files.exists(whole)) {
            throw new SourceException(directory ? "is not a directory" : "is not a file",
                    directory ? "give the directory of an OCI image layout" : "give the file docker save -o wrote");
        }
        throw new SourceException("does not exist (" + whole.toAbsolutePath() + ")",
                "check the path; relative paths start in the workspace");
    }

    /** docker load accepts a gzipped archive, so ecrPush does too: it is unpacked once into the run's folder. */
    private static Path uncompressedArchive(Path file, Path work) throws SourceException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(2);
            if (magic.length < 2 || (magic[0] & 0xff) != 0x1f || (magic[1] & 0xff) != 0x8b) {
                return file;
            }
        } catch (IOException e) {
            throw new SourceException("cannot be read: " + e.getMessage(), "check the file's permissions");
        }
        Path out = work.resolve("archive.tar");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16)) {
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            return out;
        } catch (IOException e) {
            throw new SourceException("is a damaged gzip file: " + e.getMessage(), "save the image again");
        }
    }

    /** The docker command on the step's PATH (the agent's environment; this process's when it has none), or null. */
    static String docker(java.util.Map<String, String> env) {
        String path = env.containsKey("PATH") ? env.get("PATH") : System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "docker"))) {
                return Path.of(dir, "docker").toString();
            }
        }
        return null;
    }

    private static Path dockerSave(String docker, String image, Path work) throws SourceException {
        Path out = work.resolve("docker-save.tar");
        Process p;
        try {
            if (docker == null) {
                throw new IOException("no docker on PATH");
            }
            p = new ProcessBuilder(docker, "save", "-o", out.toString(), image)
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new SourceException("needs the docker command, which is not installed here",
                    "install Docker, or save the image elsewhere and pass docker-archive:FILE");
        }
        try {
            p.getOutputStream().close();
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new SourceException("docker save did not finish within 30 minutes", "check the Docker daemon");
            }
            String said = new String(output, StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                boolean noDaemon = said.contains("Cannot connect to the Docker daemon") || said.contains("docker.sock")
                        || said.contains("Is the docker daemon running");
                throw new SourceException(noDaemon ? "needs a running Docker daemon, and none answers here ("
                        + firstLine(said) + ")" : "could not be saved by docker: " + firstLine(said),
                        noDaemon ? "start Docker, or save the image where Docker runs (docker save -o image.tar "
                                + image + ") and pass docker-archive:image.tar"
                                : "check the image name with docker images");
            }
            return out;
        } catch (IOException e) {
            throw new SourceException("could not be saved by docker: " + e.getMessage(), "check the Docker daemon");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new SourceException("docker save was interrupted", "run the step again");
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
