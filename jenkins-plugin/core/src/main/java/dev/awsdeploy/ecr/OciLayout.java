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
        return read(dir, ref, null);
    }

    /**
     * @param platform {@code os/arch[/variant]} to take one platform of a multi-platform image; null for all
     */
    static LocalImage read(Path dir, String ref, Platform platform) throws SourceException {
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
        String tag = ref != null ? ref : chosen.path("annotations").path(REF_NAME).asText(null);
        if (tag != null && tag.contains(":")) {
            tag = DockerArchive.tagOf(tag);
        }
        String mediaType = chosen.path("mediaType").asText("");
        String digest = chosen.path("digest").asText("");
        byte[] manifestBytes = blobBytes(dir, digest);
        JsonNode manifest = parse(manifestBytes, "manifest");
        if (isIndex(mediaType) || manifest.has("manifests")) {
            return multiPlatform(dir, manifestBytes, manifest, mediaType, tag, platform);
        }
        return image(dir, manifestBytes, manifest, mediaType, tag, false);
    }

    static boolean isIndex(String mediaType) {
        return mediaType.equals(LocalImage.OCI_INDEX) || mediaType.equals(LocalImage.DOCKER_MANIFEST_LIST);
    }

    /** Every platform's image with the index over them, or with {@code platform} only that platform's image. */
    private static LocalImage multiPlatform(Path dir, byte[] indexBytes, JsonNode index, String mediaType, String tag,
                                            Platform platform) throws SourceException {
        String type = index.path("mediaType").asText(mediaType.isEmpty() ? LocalImage.OCI_INDEX : mediaType);
        List<LocalImage> images = new ArrayList<>();
        List<JsonNode> matching = new ArrayList<>();
        List<String> offered = new ArrayList<>();
        for (JsonNode m : index.path("manifests")) {
            String childType = m.path("mediaType").asText("");
            if (isIndex(childType)) {
                throw new SourceException("holds an image index inside an image index, which ecrPush does not push",
                        "write the layout with one level of index (docker buildx, buildah and skopeo do)");
            }
            String os = m.path("platform").path("os").asText("");
            String arch = m.path("platform").path("architecture").asText("");
            String variant = m.path("platform").path("variant").asText("");
            String name = os + "/" + arch + (variant.isEmpty() ? "" : "/" + variant);
            // docker buildx adds attestation manifests as "unknown/unknown": pushed with the index, never chosen.
            if (!os.equals("unknown")) {
                offered.add(name);
            }
            if (platform != null && platform.matches(name)) {
                matching.add(m);
            }
        }
        if (platform != null) {
            if (matching.size() != 1) {
                throw new Platform.PlatformException(matching.isEmpty() ? "has no image for " + platform + " (it holds "
                        + String.join(", ", offered) + ")" : "has " + matching.size() + " images for " + platform,
                        matching.isEmpty() ? "give one of " + String.join(", ", offered)
                                : "name the variant too, one of " + String.join(", ", offered));
            }
            JsonNode m = matching.get(0);
            byte[] bytes = blobBytes(dir, m.path("digest").asText(""));
            return image(dir, bytes, parse(bytes, "manifest"), m.path("mediaType").asText(""), tag, false);
        }
        List<LocalImage.Layer> all = new ArrayList<>();
        for (JsonNode m : index.path("manifests")) {
            byte[] bytes = blobBytes(dir, m.path("digest").asText(""));
            LocalImage child = image(dir, bytes, parse(bytes, "manifest"), m.path("mediaType").asText(""), tag, true);
            images.add(child);
            all.addAll(child.layers());
        }
        if (images.isEmpty()) {
            throw new SourceException("has an image index that lists no image", "write the layout again");
        }
        return new LocalImage("oci " + dir + " (" + String.join(", ", offered) + ")", null, all, tag, indexBytes,
                type, String.join(",", offered), images);
    }

    /**
     * One image of the layout. Compressed layers (or every blob of an index's image, {@code asIs}) are pushed as
     * they are with the manifest byte for byte; uncompressed ones are compressed and get a new manifest.
     */
    private static LocalImage image(Path dir, byte[] manifestBytes, JsonNode manifest, String mediaType, String tag,
                                    boolean asIs) throws SourceException {
        if (manifest.path("layers").isEmpty() || manifest.path("config").isMissingNode()) {
            throw new SourceException("has a manifest without config or layers", "write the layout again");
        }
        byte[] config = blobBytes(dir, manifest.path("config").path("digest").asText(""));
        List<LocalImage.Layer> layers = new ArrayList<>();
        boolean allCompressed = true;
        for (JsonNode l : manifest.path("layers")) {
            String digest = l.path("digest").asText("");
            Path blob = blobPath(dir, digest);
            long size;
            try {
                size = Files.size(blob);
            } catch (IOException e) {
                throw new SourceException("cannot read " + blob + ": " + e.getMessage(), "write the layout again");
            }
            String layerType = l.path("mediaType").asText("");
            LocalImage.Compression c = layerType.endsWith("gzip") ? LocalImage.Compression.GZIP
                    : layerType.endsWith("zstd") ? LocalImage.Compression.ZSTD
                    : asIs ? LocalImage.Compression.NONE : DockerArchive.sniff(blob, 0, size);
            allCompressed &= c != LocalImage.Compression.NONE;
            layers.add(new LocalImage.Layer(blob, 0, size, c, digest, digest, layerType.isEmpty() ? null : layerType));
        }
        String type = manifest.path("mediaType").asText(mediaType.isEmpty() ? LocalImage.OCI_MANIFEST : mediaType);
        boolean keep = asIs || allCompressed;
        return new LocalImage("oci " + dir, config, layers, tag, keep ? manifestBytes : null, keep ? type : null,
                Platform.of(parse(config, "image config")), List.of());
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
