package dev.awsdeploy.ecr;

import com.fasterxml.jackson.databind.JsonNode;
import dev.awsdeploy.run.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** What {@code docker save} writes: a tar with manifest.json, the image config and one tar (or tar.gz) per layer. */
final class DockerArchive {
    private DockerArchive() {
    }

    /**
     * @param ref which image of a multi-image archive ("name:tag" or "@index"); null for the only one
     * @throws SourceException when the archive cannot be used, with what is wrong
     */
    static LocalImage read(Path file, String ref) throws SourceException {
        TarIndex tar;
        try {
            tar = TarIndex.read(file);
        } catch (TarIndex.NotATarException e) {
            throw new SourceException(e.getMessage(), "give the file docker save -o writes");
        } catch (IOException e) {
            throw new SourceException(e.getMessage(), "save the image again: docker save -o FILE IMAGE");
        }
        TarIndex.Entry manifestEntry = tar.get("manifest.json");
        if (manifestEntry == null) {
            throw new SourceException("is not an image archive: it has no manifest.json",
                    "give the file docker save -o writes (or use oci:DIR for an OCI layout)");
        }
        JsonNode manifest;
        try {
            manifest = Json.MAPPER.readTree(tar.bytes(manifestEntry, 4 << 20));
        } catch (IOException e) {
            throw new SourceException("has an unreadable manifest.json: " + e.getMessage(), "save the image again");
        }
        if (!manifest.isArray() || manifest.isEmpty()) {
            throw new SourceException("has a manifest.json that lists no image", "save the image again");
        }
        JsonNode image = select(manifest, ref);
        String configName = image.path("Config").asText("");
        TarIndex.Entry configEntry = tar.get(configName);
        if (configEntry == null) {
            throw new SourceException("is incomplete: its manifest names config '" + configName
                    + "', which is not in the archive", "save the image again");
        }
        byte[] config;
        JsonNode configJson;
        try {
            config = tar.bytes(configEntry, 16 << 20);
            configJson = Json.MAPPER.readTree(config);
        } catch (IOException e) {
            throw new SourceException("has an unreadable image config: " + e.getMessage(), "save the image again");
        }
        JsonNode diffIds = configJson.path("rootfs").path("diff_ids");
        List<LocalImage.Layer> layers = new ArrayList<>();
        for (JsonNode l : image.path("Layers")) {
            TarIndex.Entry e = tar.get(l.asText());
            if (e == null) {
                throw new SourceException("is incomplete: layer '" + l.asText() + "' is not in the archive",
                        "save the image again");
            }
            layers.add(new LocalImage.Layer(file, e.offset(), e.size(), sniff(file, e), l.asText()));
        }
        if (layers.isEmpty() || diffIds.size() != layers.size()) {
            throw new SourceException("is not a valid image: the config lists " + diffIds.size()
                    + " layers and the manifest " + layers.size(), "save the image again");
        }
        String tag = null;
        JsonNode repoTags = image.path("RepoTags");
        if (repoTags.isArray() && !repoTags.isEmpty()) {
            tag = tagOf(repoTags.get(0).asText());
        }
        if (ref != null && !ref.startsWith("@")) {
            tag = tagOf(ref);
        }
        return new LocalImage("docker-archive " + file, config, layers, tag, null, null, Platform.of(configJson),
                List.of());
    }

    private static JsonNode select(JsonNode manifest, String ref) throws SourceException {
        if (ref == null) {
            if (manifest.size() > 1) {
                throw new SourceException("holds " + manifest.size() + " images",
                        "pick one: docker-archive:FILE:name:tag or docker-archive:FILE:@0");
            }
            return manifest.get(0);
        }
        if (ref.startsWith("@")) {
            try {
                int i = Integer.parseInt(ref.substring(1));
                if (i >= 0 && i < manifest.size()) {
                    return manifest.get(i);
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new SourceException("has no image " + ref, "use @0 to @" + (manifest.size() - 1));
        }
        List<String> known = new ArrayList<>();
        for (JsonNode m : manifest) {
            for (JsonNode t : m.path("RepoTags")) {
                known.add(t.asText());
                if (t.asText().equals(ref) || t.asText().equals("docker.io/library/" + ref)
                        || t.asText().equals(ref + ":latest")) {
                    return m;
                }
            }
        }
        throw new SourceException("has no image tagged '" + ref + "'",
                known.isEmpty() ? "use @0" : "it holds " + String.join(", ", known));
    }

    /** The tag of "name:tag" (not of "host:port/name"), or null. */
    static String tagOf(String reference) {
        if (reference == null) {
            return null;
        }
        String r = reference;
        int at = r.indexOf('@');
        if (at >= 0) {
            r = r.substring(0, at);
        }
        int colon = r.lastIndexOf(':');
        if (colon < 0 || r.indexOf('/', colon) >= 0) {
            return null;
        }
        return r.substring(colon + 1);
    }

    static LocalImage.Compression sniff(Path file, TarIndex.Entry e) throws SourceException {
        return sniff(file, e.offset(), e.size());
    }

    static LocalImage.Compression sniff(Path file, long offset, long size) throws SourceException {
        byte[] head = new byte[4];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             InputStream in = Channels.newInputStream(ch.position(offset))) {
            int n = in.readNBytes(head, 0, (int) Math.min(4, size));
            if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
                return LocalImage.Compression.GZIP;
            }
            if (n == 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                    && (head[3] & 0xff) == 0xfd) {
                return LocalImage.Compression.ZSTD;
            }
            return LocalImage.Compression.NONE;
        } catch (IOException e) {
            throw new SourceException("cannot be read: " + e.getMessage(), "check the file");
        }
    }

    /** A source that cannot be used: what is wrong and how to fix it. */
    static class SourceException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String fix;

        SourceException(String message, String fix) {
            super(message);
            this.fix = fix;
        }

        String fix() {
            return fix;
        }
    }
}
