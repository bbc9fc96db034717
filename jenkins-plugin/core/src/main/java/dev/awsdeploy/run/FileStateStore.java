package dev.awsdeploy.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * State persisted to {@code --state-file}. The file also holds a fingerprint of the request, so a state file
 * cannot silently resume a different deployment. Writes are atomic (write, then rename).
 */
public final class FileStateStore<S> implements StateStore<S> {
    private final Path file;
    private final Class<S> type;
    private final String fingerprint;

    public FileStateStore(Path file, Class<S> type, String fingerprint) {
        this.file = file;
        this.type = type;
        this.fingerprint = fingerprint;
    }

    @Override
    public Optional<S> load() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new BadInputException("stateFile", file, "cannot be read as a state file (" + e.getMessage() + ")",
                    "delete it to start a new run, or give another --state-file");
        }
        String saved = node.path("fingerprint").asText("");
        if (!saved.equals(fingerprint)) {
            throw new BadInputException("stateFile", file,
                    "belongs to a different request (" + node.path("step").asText("?") + ")",
                    "re-run with the same parameters to resume it, or delete the file to start a new run");
        }
        try {
            return Optional.of(Json.MAPPER.treeToValue(node.get("state"), type));
        } catch (IOException e) {
            throw new BadInputException("stateFile", file, "holds a state this version cannot read",
                    "delete it to start a new run");
        }
    }

    @Override
    public void save(S state) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("step", type.getSimpleName());
        root.put("fingerprint", fingerprint);
        root.set("state", Json.MAPPER.valueToTree(state));
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, ".state", ".tmp");
            Files.writeString(tmp, Json.pretty(root), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write state file " + file, e);
        }
    }

    @Override
    public void clear() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete state file " + file, e);
        }
    }
}
