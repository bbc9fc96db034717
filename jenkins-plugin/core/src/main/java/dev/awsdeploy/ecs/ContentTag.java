package dev.awsdeploy.ecs;

import dev.awsdeploy.aws.CliInputJson;
import dev.awsdeploy.run.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionField;

/**
 * The content tag of a task definition revision this project registers: the SHA-256 of the registration
 * (in {@code --cli-input-json} form), so a revision registered by an attempt whose answer was lost — or by an
 * earlier run — is recognised and reused instead of registered again. Used by ecsBlueGreen and
 * codeDeployRolling.
 */
public final class ContentTag {
    public static final String KEY = "aws-deploy:content-sha256";

    private ContentTag() {
    }

    /** The content hash of a registration, before the content tag is added. */
    public static String of(RegisterTaskDefinitionRequest r) {
        String json = Json.write(CliInputJson.toJson(r));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(json.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The registration with the content tag added (the caller's own tags kept). */
    public static RegisterTaskDefinitionRequest tagged(RegisterTaskDefinitionRequest r, String hash) {
        List<Tag> tags = new ArrayList<>();
        r.tags().stream().filter(t -> !KEY.equals(t.key())).forEach(tags::add);
        tags.add(Tag.builder().key(KEY).value(hash).build());
        return r.toBuilder().tags(tags).build();
    }

    /** The family's latest ACTIVE revision when it carries {@code hash}; empty when it does not or none exists. */
    public static Optional<TaskDefinition> latest(EcsClient ecs, String family, String hash) {
        try {
            var d = ecs.describeTaskDefinition(b -> b.taskDefinition(family).include(TaskDefinitionField.TAGS));
            boolean same = d.tags().stream().anyMatch(t -> KEY.equals(t.key()) && hash.equals(t.value()));
            return same ? Optional.of(d.taskDefinition()) : Optional.empty();
        } catch (ClientException e) {
            return Optional.empty(); // no such family yet
        }
    }
}
