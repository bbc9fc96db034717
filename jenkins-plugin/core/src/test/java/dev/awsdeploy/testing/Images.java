package dev.awsdeploy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Builds test images the way the tools users have write them: a {@code docker save} archive (manifest.json, config,
 * one layer.tar per layer, uncompressed or gzipped) and an OCI image layout. Layer contents are seeded random bytes,
 * so two calls with the same seed make the same layer.
 */
public final class Images {
    private Images() {
    }

    /** A layer: an uncompressed tar holding one file of {@code size} seeded random bytes. */
    public static byte[] layer(long seed, int size) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 2048);
        try {
            writeEntry(out, "data-" + seed + ".bin", data);
            out.write(new byte[1024]);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /**
     * A layer that compresses to about half its size, slowly (seeded random letters of a 16-letter alphabet, in
     * lines): its compression takes long enough for a test to see an upload follow it.
     */
    public static byte[] textLayer(long seed, int size) {
        byte[] data = new byte[size];
        Random r = new Random(seed);
        for (int i = 0; i < size; i++) {
            data[i] = i % 80 == 79 ? (byte) '\n' : (byte) ('a' + r.nextInt(16));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 2048);
        try {
            writeEntry(out, "text-" + seed + ".txt", data);
            out.write(new byte[1024]);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** A docker-save archive of these layers, tagged {@code repoTag} (or untagged when null). */
    public static Path dockerArchive(Path file, String repoTag, boolean gzipLayers, byte[]... layers) {
        List<String> diffIds = new ArrayList<>();
        for (byte[] l : layers) {
            diffIds.add(sha256(l));
        }
        byte[] config = config(diffIds);
        String configName = sha256(config).substring(7) + ".json";
        StringBuilder manifest = new StringBuilder("[{\"Config\":\"" + configName + "\",\"RepoTags\":");
        manifest.append(repoTag == null ? "null" : "[\"" + repoTag + "\"]").append(",\"Layers\":[");
        try (OutputStream out = Files.newOutputStream(file)) {
            writeEntry(out, configName, config);
            for (int i = 0; i < layers.length; i++) {
                String dir = diffIds.get(i).substring(7);
                byte[] body = gzipLayers ? gzip(layers[i]) : layers[i];
                writeEntry(out, dir + "/layer.tar", body);
                manifest.append(i == 0 ? "" : ",").append('"').append(dir).append("/layer.tar\"");
            }
            manifest.append("]}]");
            writeEntry(out, "manifest.json", manifest.toString().getBytes(StandardCharsets.UTF_8));
            out.write(new byte[1024]);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return file;
    }

    /** An OCI image layout of these layers (gzipped, as skopeo writes them), with the ref name given. */
    public static Path ociLayout(Path dir, String refName, byte[]... layers) {
        try {
            Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
            List<String> diffIds = new ArrayList<>();
            String layerJson = gzippedLayers(blobs, layers, diffIds);
            byte[] config = config(diffIds);
            String configDigest = write(blobs, config);
            byte[] manifest = ("{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"application/vnd.oci.image.manifest.v1"
                    + "+json\",\n  \"config\": {\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                    + configDigest + "\",\"size\":" + config.length + "},\n  \"layers\": [" + layerJson + "]\n}\n")
                    .getBytes(StandardCharsets.UTF_8);
            String manifestDigest = write(blobs, manifest);
            layoutTop(dir, "application/vnd.oci.image.manifest.v1+json", manifestDigest, manifest.length, refName);
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * An OCI image layout holding a multi-platform image, as docker buildx writes one: an image index (its blob
     * named by index.json under {@code refName}) over one image per platform ({@code os/arch[/variant]} → its layers,
     * gzipped), each with its own config naming its platform. Returns the index's digest.
     */
    public static String ociIndex(Path dir, String refName, java.util.Map<String, byte[][]> platforms) {
        try {
            Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
            StringBuilder entries = new StringBuilder();
            for (java.util.Map.Entry<String, byte[][]> p : platforms.entrySet()) {
                String[] osArch = p.getKey().split("/");
                List<String> diffIds = new ArrayList<>();
                String layerJson = gzippedLayers(blobs, p.getValue(), diffIds);
                byte[] config = ("{\"architecture\":\"" + osArch[1] + "\",\"os\":\"" + osArch[0] + "\""
                        + (osArch.length > 2 ? ",\"variant\":\"" + osArch[2] + "\"" : "")
                        + ",\"config\":{\"Cmd\":[\"/data\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                        + String.join("\",\"", diffIds) + "\"]}}").getBytes(StandardCharsets.UTF_8);
                String configDigest = write(blobs, config);
                byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                        + configDigest + "\",\"size\":" + config.length + "},\"layers\":[" + layerJson + "]}")
                        .getBytes(StandardCharsets.UTF_8);
                String manifestDigest = write(blobs, manifest);
                entries.append(entries.length() == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image"
                        + ".manifest.v1+json\",\"digest\":\"").append(manifestDigest).append("\",\"size\":")
                        .append(manifest.length).append(",\"platform\":{\"architecture\":\"").append(osArch[1])
                        .append("\",\"os\":\"").append(osArch[0]).append('"')
                        .append(osArch.length > 2 ? ",\"variant\":\"" + osArch[2] + "\"" : "").append("}}");
            }
            byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                    + "\"manifests\":[" + entries + "]}").getBytes(StandardCharsets.UTF_8);
            String indexDigest = write(blobs, index);
            layoutTop(dir, "application/vnd.oci.image.index.v1+json", indexDigest, index.length, refName);
            return indexDigest;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The layout's oci-layout file and its index.json naming one manifest (or index) under {@code refName}. */
    private static void layoutTop(Path dir, String mediaType, String digest, int size, String refName)
            throws IOException {
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
                + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + ",\"annotations\":{"
                + "\"org.opencontainers.image.ref.name\":\"" + refName + "\"}}]}");
    }

    /** Writes each layer gzipped as a blob; adds its diff_id; returns the manifest's layer descriptors. */
    private static String gzippedLayers(Path blobs, byte[][] layers, List<String> diffIds) throws IOException {
        StringBuilder layerJson = new StringBuilder();
        for (byte[] l : layers) {
            diffIds.add(sha256(l));
            byte[] gz = gzip(l);
            String d = write(blobs, gz);
            layerJson.append(layerJson.length() == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image"
                    + ".layer.v1.tar+gzip\",\"digest\":\"").append(d).append("\",\"size\":").append(gz.length)
                    .append('}');
        }
        return layerJson.toString();
    }

    /** The digest of the only manifest of an OCI layout. */
    public static String ociManifestDigest(Path dir) throws IOException {
        String index = Files.readString(dir.resolve("index.json"));
        int i = index.indexOf("sha256:");
        return index.substring(i, i + 71);
    }

    private static byte[] config(List<String> diffIds) {
        return ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/data\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + String.join("\",\"", diffIds) + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String write(Path blobs, byte[] bytes) throws IOException {
        String d = sha256(bytes);
        Files.write(blobs.resolve(d.substring(7)), bytes);
        return d;
    }

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    public static String sha256(byte[] b) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One ustar entry for a regular file, padded to 512 bytes. */
    static void writeEntry(OutputStream out, String name, byte[] data) throws IOException {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
        octal(h, 100, 8, 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, data.length);
        octal(h, 136, 12, 0);
        h[156] = '0';
        System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        octal(h, 148, 7, sum);
        out.write(h);
        out.write(data);
        int pad = (512 - data.length % 512) % 512;
        out.write(new byte[pad]);
    }

    private static void octal(byte[] h, int off, int len, long value) {
        String s = String.format("%0" + (len - 1) + "o", value);
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, len - 1);
        h[off + len - 1] = 0;
    }
}
