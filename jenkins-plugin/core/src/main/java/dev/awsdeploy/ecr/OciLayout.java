package dev.awsdeploy.ecr;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.ecr.DockerArchive.SourceException;
import dev.awsdeploy.run.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** An OCI image layout directory (oci-layout, index.json, blobs/sha256/...), as skopeo or buildah write it. */
final class OciLayout {
    static final String REF_NAME = "org.opencontainers.image.ref.name";

    private OciLayout() {
    }

    static LocalImage read(Path dir, String ref) throws SourceException {
        if (!Files.isDirectory(dir)) {
            throw new SourceException("is not a directory", "give the directory of an OCI image layout");
        }
        Path indexFile = dir.resolve("index.json");
        if (!Files.isRegularFile(indexFile) || !Files.isRegularFile(dir.resolve("oci-layout"))) {
            throw new SourceException("is not an OCI image layout: it has no index.json or oci-layout file",
                    "give a directory written by skopeo copy ... oci:DIR, or use docker-archive:FILE");
        }
        JsonNode index = readJson(dir, indexFile);
        JsonNode chosen = null;
        List<String> names = new ArrayList<>();
        for (JsonNode m : index.path("manifests")) {
            String name = m.path("annotations").path(REF_NAME).asText(null);
            if (name != null) {
                names.add(name);
            }
            if (ref == null ? index.path("manifests").size() == 1 : ref.equals(name)) {
                chosen = m;
            }
        }
        if (chosen == null) {
            throw new SourceException(ref == null
                    ? "holds " + index.path("manifests").size() + " images" : "has no image named '" + ref + "'",
                    names.isEmpty() ? "give a layout with one image" : "pick one with oci:DIR:NAME; it holds "
                            + String.join(", ", names));
        }
        String mediaType = chosen.path("mediaType").asText("");
        if (mediaType.equals(LocalImage.OCI_INDEX) || mediaType.contains("manifest.list")) {
            throw new SourceException("names a multi-platform image index, which ecrPush does not push",
                    "copy one platform into the layout: skopeo copy --override-arch amd64 ...");
        }
        byte[] manifestBytes = blobBytes(dir, chosen.path("digest").asText(""));
        JsonNode manifest = parse(manifestBytes, "manifest");
        if (manifest.path("layers").isEmpty() || manifest.path("config").isMissingNode()) {
            throw new SourceException("has a manifest without config or layers", "write the layout again");
        }
        byte[] config = blobBytes(dir, manifest.path("config").path("digest").asText(""));
        List<LocalImage.Layer> layers = new ArrayList<>();
        boolean allCompressed = true;
        for (JsonNode l : manifest.path("layers")) {
            Path blob = blobPath(dir, l.path("digest").asText(""));
            long size;
            try {
                size = Files.size(blob);
            } catch (IOException e) {
                throw new SourceException("cannot read " + blob + ": " + e.getMessage(), "write the layout again");
            }
            LocalImage.Compression c = DockerArchive.sniff(blob, 0, size);
            allCompressed &= c != LocalImage.Compression.NONE;
            layers.add(new LocalImage.Layer(blob, 0, size, c, l.path("digest").asText()));
        }
        String tag = ref != null ? ref : chosen.path("annotations").path(REF_NAME).asText(null);
        if (tag != null && tag.contains(":")) {
            tag = DockerArchive.tagOf(tag);
        }
        String type = manifest.path("mediaType").asText(mediaType.isEmpty() ? LocalImage.OCI_MANIFEST : mediaType);
        return new LocalImage("oci " + dir, config, layers, tag, allCompressed ? manifestBytes : null,
                allCompressed ? type : null);
    }

    private static JsonNode readJson(Path dir, Path file) throws SourceException {
        try {
            return parse(Files.readAllBytes(file), file.getFileName().toString());
        } catch (IOException e) {
            throw new SourceException("cannot read " + dir.relativize(file) + ": " + e.getMessage(),
                    "write the layout again");
        }
    }

    private static JsonNode parse(byte[] bytes, String what) throws SourceException {
        try {
            return Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new SourceException("has an unreadable " + what + ": " + e.getMessage(), "write the layout again");
        }
    }

    private static Path blobPath(Path dir, String digest) throws SourceException {
        if (!digest.matches("sha256:[0-9a-f]{64}")) {
            throw new SourceException("names a blob with an invalid digest '" + digest + "'", "write the layout again");
        }
        Path p = dir.resolve("blobs").resolve("sha256").resolve(digest.substring(7));
        if (!Files.isRegularFile(p)) {
            throw new SourceException("is incomplete: blob " + digest + " is missing", "write the layout again");
        }
        return p;
    }

    private static byte[] blobBytes(Path dir, String digest) throws SourceException {
        Path p = blobPath(dir, digest);
        try {
            if (Files.size(p) > 16 << 20) {
                throw new SourceException("has an oversized JSON blob " + digest, "write the layout again");
            }
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new SourceException("cannot read blob " + digest + ": " + e.getMessage(), "write the layout again");
        }
    }
}
