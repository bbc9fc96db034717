package dev.awsdeploy.ecr;

import java.nio.file.Path;
import java.util.List;

/**
 * An image read from its source, before anything is sent: the config, the layers where they lie on disk (read in
 * place, never extracted), the source's own tag, and the source's manifest when it can be pushed unchanged.
 */
record LocalImage(String description, byte[] config, List<Layer> layers, String ownTag, byte[] manifest,
                  String manifestMediaType) {

    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

    enum Compression { NONE, GZIP, ZSTD }

    /** One layer: a byte range of a file, and how it is compressed. */
    record Layer(Path file, long offset, long size, Compression compression, String name) {
    }
}
