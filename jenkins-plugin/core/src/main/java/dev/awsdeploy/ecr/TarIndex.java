package dev.awsdeploy.ecr;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where each file of a tar archive lies, found by reading only the headers: layers are then read in place (no
 * extraction). Understands ustar, GNU long names and PAX path records, and follows the symlinks {@code docker save}
 * writes for repeated layers. A file that ends inside an entry is reported as truncated.
 */
final class TarIndex {
    /** One regular file inside the archive. */
    record Entry(String name, long offset, long size) {
    }

    static final class NotATarException extends IOException {
        private static final long serialVersionUID = 1L;

        NotATarException(String message) {
            super(message);
        }
    }

    private final Path file;
    private final Map<String, Entry> files = new LinkedHashMap<>();
    private final Map<String, String> links = new LinkedHashMap<>();

    private TarIndex(Path file) {
        this.file = file;
    }

    static TarIndex read(Path file) throws IOException {
        TarIndex index = new TarIndex(file);
        index.scan();
        return index;
    }

    Path file() {
        return file;
    }

    /** The entry of a name, following symlinks; null when absent. */
    Entry get(String name) {
        String n = normalise(name);
        for (int hops = 0; hops < 10; hops++) {
            Entry e = files.get(n);
            if (e != null) {
                return e;
            }
            String target = links.get(n);
            if (target == null) {
                return null;
            }
            n = target;
        }
        return null;
    }

    byte[] bytes(Entry e, int max) throws IOException {
        if (e.size() > max) {
            throw new IOException(e.name() + " is larger than " + max + " bytes");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate((int) e.size());
            while (b.hasRemaining()) {
                if (ch.read(b, e.offset() + b.position()) < 0) {
                    throw new IOException("unexpected end of " + file);
                }
            }
            return b.array();
        }
    }

    private void scan() throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = ch.size();
            long pos = 0;
            String longName = null;
            String paxPath = null;
            boolean sawEntry = false;
            ByteBuffer header = ByteBuffer.allocate(512);
            while (true) {
                if (pos + 512 > length) {
                    if (!sawEntry) {
                        throw new NotATarException("is not a tar archive (too short for a tar header)");
                    }
                    // Archives without the two zero blocks at the end are still readable.
                    return;
                }
                header.clear();
                readFully(ch, header, pos);
                byte[] h = header.array();
                if (allZero(h)) {
                    return;
                }
                if (!checksumMatches(h)) {
                    throw new NotATarException(sawEntry ? "has a damaged tar header at byte " + pos
                            : "is not a tar archive");
                }
                sawEntry = true;
                char type = (char) h[156];
                long size = number(h, 124, 12);
                long data = pos + 512;
                if (data + size > length) {
                    throw new IOException("is truncated: entry '" + name(h, longName, paxPath) + "' needs " + size
                            + " bytes but the file ends " + (length - data) + " bytes into it");
                }
                switch (type) {
                    case 'L' -> longName = cString(readData(ch, data, size));
                    case 'x' -> paxPath = paxPath(readData(ch, data, size));
                    case 'g' -> { }
                    default -> {
                        String name = normalise(name(h, longName, paxPath));
                        if (type == '0' || type == '\0' || type == '7') {
                            files.put(name, new Entry(name, data, size));
                        } else if (type == '2' || type == '1') {
                            String target = cString(java.util.Arrays.copyOfRange(h, 157, 257));
                            String resolved = type == '1' ? normalise(target) : resolve(name, target);
                            links.put(name, resolved);
                        }
                        longName = null;
                        paxPath = null;
                    }
                }
                pos = data + (size + 511) / 512 * 512;
            }
        }
    }

    private static String resolve(String name, String target) {
        if (target.startsWith("/")) {
            return normalise(target);
        }
        int slash = name.lastIndexOf('/');
        String dir = slash < 0 ? "" : name.substring(0, slash + 1);
        return normalise(dir + target);
    }

    static String normalise(String name) {
        java.util.Deque<String> parts = new java.util.ArrayDeque<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(p);
            }
        }
        return String.join("/", parts);
    }

    private static String name(byte[] h, String longName, String paxPath) {
        if (paxPath != null) {
            return paxPath;
        }
        if (longName != null) {
            return longName;
        }
        String name = cString(java.util.Arrays.copyOfRange(h, 0, 100));
        String magic = new String(h, 257, 5, StandardCharsets.US_ASCII);
        if (magic.equals("ustar")) {
            String prefix = cString(java.util.Arrays.copyOfRange(h, 345, 500));
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
        }
        return name;
    }

    private static String paxPath(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        int i = 0;
        while (i < text.length()) {
            int space = text.indexOf(' ', i);
            if (space < 0) {
                break;
            }
            int len;
            try {
                len = Integer.parseInt(text.substring(i, space));
            } catch (NumberFormatException e) {
                break;
            }
            String record = text.substring(space + 1, Math.min(text.length(), i + len - 1));
            if (record.startsWith("path=")) {
                return record.substring(5);
            }
            i += len;
        }
        return null;
    }

    private static byte[] readData(FileChannel ch, long at, long size) throws IOException {
        if (size > 1 << 20) {
            throw new NotATarException("has an oversized tar extension header");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size);
        readFully(ch, b, at);
        return b.array();
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long p = at;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            p += n;
        }
    }

    private static boolean allZero(byte[] h) {
        for (byte b : h) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean checksumMatches(byte[] h) {
        long stored;
        try {
            stored = number(h, 148, 8);
        } catch (NotATarException e) {
            return false;
        }
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        }
        return sum == stored;
    }

    private static long number(byte[] h, int off, int len) throws NotATarException {
        if ((h[off] & 0x80) != 0) {
            long v = 0;
            for (int i = off + 1; i < off + len; i++) {
                v = (v << 8) | (h[i] & 0xff);
            }
            return v;
        }
        String s = new String(h, off, len, StandardCharsets.US_ASCII).replace('\0', ' ').trim();
        if (s.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new NotATarException("is not a tar archive");
        }
    }

    private static String cString(byte[] b) {
        int end = 0;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }
}
