package dev.awsdeploy.ecr;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Gzips an uncompressed layer fast enough that a push is not CPU-bound: deflate level 1, and 1 MiB chunks whose
 * sample shows they do not compress (already-compressed files, random data) are stored instead of searched for
 * matches — the slow part of deflate. The output is deterministic (same bytes in, same digest out), so a re-push of
 * the same archive finds its layers already in the registry.
 */
final class LayerGzip {
    static final int CHUNK = 1 << 20;
    private static final int SAMPLE = 16 << 10;
    /** Compressed sample at or above this share of its size: store the chunk. */
    private static final double STORE_ABOVE = 0.97;

    /**
     * What {@link #compress} writes with these settings; part of the layer cache's key, so a change of the
     * compression (which changes the digests) never meets an old entry. Change it whenever the output changes.
     */
    static final String SETTINGS = "gzip1-store97-sample16k-chunk1m-v1";

    /**
     * The compressed layer: where it waits, its size and digest. The uncompressed bytes are not hashed here: that
     * waits until they have been sent ({@link LayerChecks}), so the compression the upload follows does half the
     * hashing.
     */
    record Result(Spool spool, long size, String digest) {
    }

    private LayerGzip() {
    }

    static Result compress(LocalImage.Layer layer, Spool spool) throws IOException {
        MessageDigest sha = sha256();
        CRC32 crc = new CRC32();
        Deflater deflater = new Deflater(1, true);
        Deflater probe = new Deflater(1, true);
        byte[] in = new byte[CHUNK];
        byte[] buf = new byte[CHUNK + (CHUNK >> 4) + 1024];
        byte[] probeOut = new byte[SAMPLE * 2];
        long[] written = {0};
        try (FileChannel ch = FileChannel.open(layer.file(), StandardOpenOption.READ);
             OutputStream file = spool) {
            OutputStream o = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    sha.update(b, off, len);
                    file.write(b, off, len);
                    written[0] += len;
                }
            };
            o.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff}, 0, 10);
            long pos = layer.offset();
            long end = layer.offset() + layer.size();
            int level = -1;
            while (pos < end) {
                int n = read(ch, in, pos, (int) Math.min(CHUNK, end - pos));
                pos += n;
                crc.update(in, 0, n);
                int wanted = compressible(probe, in, n, probeOut) ? 1 : 0;
                if (wanted != level) {
                    deflater.setLevel(wanted);
                    level = wanted;
                }
                deflater.setInput(in, 0, n);
                int m;
                do {
                    m = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
                    o.write(buf, 0, m);
                } while (m == buf.length || !deflater.needsInput());
            }
            deflater.finish();
            while (!deflater.finished()) {
                int m = deflater.deflate(buf, 0, buf.length);
                o.write(buf, 0, m);
            }
            long isize = layer.size();
            byte[] trailer = new byte[8];
            long c = crc.getValue();
            for (int i = 0; i < 4; i++) {
                trailer[i] = (byte) (c >>> (8 * i));
                trailer[4 + i] = (byte) (isize >>> (8 * i));
            }
            o.write(trailer, 0, 8);
        } finally {
            deflater.end();
            probe.end();
        }
        return new Result(spool, written[0], "sha256:" + HexFormat.of().formatHex(sha.digest()));
    }

    private static boolean compressible(Deflater probe, byte[] in, int n, byte[] out) {
        int len = Math.min(SAMPLE, n);
        if (len < 512) {
            return true;
        }
        probe.reset();
        probe.setInput(in, 0, len);
        probe.finish();
        int total = 0;
        while (!probe.finished()) {
            total += probe.deflate(out, 0, out.length);
        }
        return total < len * STORE_ABOVE;
    }

    static int read(FileChannel ch, byte[] into, long at, int len) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(into, 0, len);
        long p = at;
        while (b.hasRemaining()) {
            int r = ch.read(b, p);
            if (r < 0) {
                throw new IOException("unexpected end of " + ch);
            }
            p += r;
        }
        return len;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The sha256 digest of a byte range of a file: an already-compressed layer pushed as it is, or the uncompressed
     * bytes of a layer checked against its diff_id.
     */
    static String digest(Path file, long offset, long size) throws IOException {
        MessageDigest sha = sha256();
        byte[] in = new byte[CHUNK];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long pos = offset;
            long end = offset + size;
            while (pos < end) {
                int n = read(ch, in, pos, (int) Math.min(CHUNK, end - pos));
                sha.update(in, 0, n);
                pos += n;
            }
        }
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }
}
