package dev.awsdeploy.ecr;

import java.nio.file.Path;
import java.util.List;

/**
 * An image read from its source, before anything is sent: the config, the layers where they lie on disk (read in
 * place, never extracted), the source's own tag, and the source's manifest when it can be pushed unchanged.
 *
 * <p>A multi-platform image (an OCI image index or a Docker manifest list) is one of these too: {@code manifest} is
 * the index, {@code images} its platforms' images (each with its manifest pushed byte for byte), {@code config} is
 * null and {@code layers} are all the platforms' layers.
 */
record LocalImage(String description, byte[] config, List<Layer> layers, String ownTag, byte[] manifest,
                  String manifestMediaType, String platform, List<LocalImage> images) {

    LocalImage(String description, byte[] config, List<Layer> layers, String ownTag, byte[] manifest,
               String manifestMediaType) {
        this(description, config, layers, ownTag, manifest, manifestMediaType, null, List.of());
    }

    boolean isIndex() {
        return !images.isEmpty();
    }

    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

    enum Compression { NONE, GZIP, ZSTD }

    /**
     * One layer: a byte range of a file, and how it is compressed. {@code digest} and {@code mediaType} are known
     * when the source's manifest names them (an OCI layout's blob, pushed as it is); otherwise null.
     */
    record Layer(Path file, long offset, long size, Compression compression, String name, String digest,
                 String mediaType) {
        Layer(Path file, long offset, long size, Compression compression, String name) {
            this(file, offset, size, compression, name, null, null);
        }
    }
}
