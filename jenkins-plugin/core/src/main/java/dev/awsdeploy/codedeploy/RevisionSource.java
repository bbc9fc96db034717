package dev.awsdeploy.codedeploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.awsdeploy.aws.AwsContext;
import dev.awsdeploy.aws.CliInputJson;
import dev.awsdeploy.aws.CreatingCall;
import dev.awsdeploy.run.BadInputException;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.run.Progress;
import dev.awsdeploy.run.StepRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.codedeploy.model.AppSpecContent;
import software.amazon.awssdk.services.codedeploy.model.RevisionLocation;
import software.amazon.awssdk.services.codedeploy.model.RevisionLocationType;
import software.amazon.awssdk.services.codedeploy.model.S3Location;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Turns the requested revision into CodeDeploy's {@link RevisionLocation}, in two halves: {@link #plan} reads
 * (hashes the bundle, looks for the object in S3, looks for an already registered task definition) and
 * {@link #apply} does the one change still needed (upload the bundle, register the task definition).
 */
final class RevisionSource {
    static final String HASH_TAG = dev.awsdeploy.ecs.ContentTag.KEY;

    private final DeploymentRequest.Revision r;
    private final AwsContext aws;
    private S3Client s3;
    /** Known once planned, except for a task definition still to register. */
    private RevisionLocation location;
    private byte[] upload;
    private RegisterTaskDefinitionRequest register;
    /** The content hash the task definition to register is tagged with. */
    private String registerHash;
    private EcsClient ecsOnce;
    private String summary;

    RevisionSource(DeploymentRequest.Revision r, AwsContext aws) {
        this.r = r;
        this.aws = aws;
    }

    /** Reads what exists; afterwards {@link #location()} is known unless a task definition must be registered. */
    void plan() {
        switch (r.kind()) {
            case S3 -> planS3();
            case BUNDLE -> planBundle();
            default -> planEcs();
        }
    }

    private void planS3() {
        try {
            s3().headObject(b -> {
                b.bucket(r.s3Bucket()).key(r.s3Key());
                if (r.s3Version() != null) {
                    b.versionId(r.s3Version());
                }
            });
        } catch (NoSuchKeyException e) {
            throw missingObject();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw missingObject();
            }
            if (e.statusCode() != 403) {
                throw e;
            }
            // Allowed to read revisions through CodeDeploy but not to HEAD them: CodeDeploy will tell.
        }
        S3Location.Builder s3 = S3Location.builder().bucket(r.s3Bucket()).key(r.s3Key()).bundleType(r.bundleType());
        if (r.s3Version() != null) {
            s3.version(r.s3Version());
        }
        if (r.eTag() != null) {
            s3.eTag(r.eTag());
        }
        location = RevisionLocation.builder().revisionType(RevisionLocationType.S3).s3Location(s3.build()).build();
        summary = "s3://" + r.s3Bucket() + "/" + r.s3Key() + " (" + r.bundleType() + ")";
    }

    private BadInputException missingObject() {
        return new BadInputException("s3Key", r.s3Key(), "no such object in bucket " + r.s3Bucket()
                + (r.s3Version() != null ? " (version " + r.s3Version() + ")" : ""),
                "upload the bundle first, or give bundle: 'folder' to have it zipped and uploaded for you");
    }

    private void planBundle() {
        byte[] bytes;
        String ext = r.bundleType();
        try {
            bytes = Files.isDirectory(r.bundle()) ? BundleZip.zip(r.bundle()) : Files.readAllBytes(r.bundle());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundle " + r.bundle(), e);
        }
        String hash = BundleZip.sha256(bytes);
        String name = r.bundle().toAbsolutePath().normalize().getFileName().toString()
                .replaceAll("\\.(zip|tar|tgz|tar\\.gz)$", "").replaceAll("[^\\w.-]", "-");
        String key = r.s3Prefix() + name + "-" + hash.substring(0, 16) + "." + ext;
        boolean there;
        try {
            s3().headObject(b -> b.bucket(r.s3Bucket()).key(key));
            there = true;
        } catch (NoSuchKeyException e) {
            there = false;
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            there = false;
        }
        upload = there ? null : bytes;
        location = RevisionLocation.builder().revisionType(RevisionLocationType.S3).s3Location(
                S3Location.builder().bucket(r.s3Bucket()).key(key).bundleType(ext).build()).build();
        summary = "s3://" + r.s3Bucket() + "/" + key + " (" + bytes.length + " bytes, sha256 " + hash.substring(0, 12)
                + (there ? ", already uploaded)" : ", to upload)");
    }

    private void planEcs() {
        if (!r.taskDefinitionIsFile()) {
            software.amazon.awssdk.services.ecs.model.TaskDefinition td;
            try {
                td = ecs().describeTaskDefinition(b -> b.taskDefinition(r.taskDefinition())).taskDefinition();
            } catch (ClientException e) {
                throw new BadInputException("taskDefinition", r.taskDefinition(), "no such task definition in this "
                        + "account and region", "register it first, or give a register-task-definition "
                        + "--cli-input-json file to have it registered");
            }
            checkContainer(td.containerDefinitions().stream().map(c -> c.name()).toList(), r.taskDefinition());
            location = appSpec(r.taskDefinition());
            summary = "ECS AppSpec: " + r.taskDefinition() + ", container " + r.containerName() + ":"
                    + r.containerPort();
            return;
        }
        JsonNode json = CliInputJson.readFile("taskDefinition", r.taskDefinition());
        RegisterTaskDefinitionRequest req = CliInputJson.read(json, RegisterTaskDefinitionRequest::builder,
                "taskDefinition", r.taskDefinition(), Set.of());
        if (req.family() == null) {
            throw new BadInputException("taskDefinition", r.taskDefinition(), "has no family",
                    "add \"family\": \"<name>\" to the file");
        }
        checkContainer(req.containerDefinitions().stream().map(c -> c.name()).toList(), r.taskDefinition());
        String hash = dev.awsdeploy.ecs.ContentTag.of(req);
        Optional<String> existing = registered(req.family(), hash);
        if (existing.isPresent()) {
            location = appSpec(existing.get());
            summary = "ECS AppSpec: " + existing.get() + " (already registered from " + r.taskDefinition()
                    + "), container " + r.containerName() + ":" + r.containerPort();
            return;
        }
        register = dev.awsdeploy.ecs.ContentTag.tagged(req, hash);
        registerHash = hash;
        summary = "ECS AppSpec: a new revision of " + req.family() + " registered from " + r.taskDefinition()
                + ", container " + r.containerName() + ":" + r.containerPort();
    }

    /** The family's latest revision when it carries this content hash: what an unanswered registration made. */
    private Optional<String> registered(String family, String hash) {
        return dev.awsdeploy.ecs.ContentTag.latest(ecs(), family, hash).map(TaskDefinition::taskDefinitionArn);
    }

    private void checkContainer(List<String> names, String where) {
        if (!names.contains(r.containerName())) {
            throw new BadInputException("containerName", r.containerName(), "is not a container of " + where,
                    dev.awsdeploy.run.Params.suggestion(r.containerName(), names, "its containers: "
                            + String.join(", ", names)));
        }
    }

    /** Makes the one change still needed for the revision to exist. */
    void apply(StepRun run) {
        Progress progress = run.progress();
        if (upload != null) {
            S3Location l = location.s3Location();
            s3().putObject(b -> b.bucket(l.bucket()).key(l.key()), RequestBody.fromBytes(upload));
            progress.action("PutObject", "s3://" + l.bucket() + "/" + l.key(), "Uploaded the bundle to s3://"
                    + l.bucket() + "/" + l.key() + " (" + upload.length + " bytes)");
            upload = null;
        }
        if (register != null) {
            RegisterTaskDefinitionRequest req = register;
            if (ecsOnce == null) {
                ecsOnce = CreatingCall.client(aws, EcsClient.builder(), "ECS");
            }
            String arn = CreatingCall.create("RegisterTaskDefinition", "a revision of " + req.family() + " from "
                    + r.taskDefinition(), () -> ecsOnce.registerTaskDefinition(req).taskDefinition()
                    .taskDefinitionArn(), () -> registered(req.family(), registerHash), run);
            progress.action("RegisterTaskDefinition", arn, "Registered task definition " + arn);
            location = appSpec(arn);
            register = null;
        }
    }

    /** Whether {@link #apply} has something to do. */
    boolean needsChange() {
        return upload != null || register != null;
    }

    RevisionLocation location() {
        return location;
    }

    String summary() {
        return summary;
    }

    private RevisionLocation appSpec(String taskDefinitionArn) {
        ObjectNode lb = JsonNodeFactory.instance.objectNode();
        lb.put("ContainerName", r.containerName());
        lb.put("ContainerPort", r.containerPort());
        ObjectNode props = JsonNodeFactory.instance.objectNode();
        props.put("TaskDefinition", taskDefinitionArn);
        props.set("LoadBalancerInfo", lb);
        ObjectNode service = JsonNodeFactory.instance.objectNode();
        service.put("Type", "AWS::ECS::Service");
        service.set("Properties", props);
        ObjectNode target = JsonNodeFactory.instance.objectNode();
        target.set("TargetService", service);
        ArrayNode resources = JsonNodeFactory.instance.arrayNode();
        resources.add(target);
        ObjectNode spec = JsonNodeFactory.instance.objectNode();
        spec.put("version", 0.0);
        spec.set("Resources", resources);
        String content = Json.write(spec);
        return RevisionLocation.builder().revisionType(RevisionLocationType.APP_SPEC_CONTENT)
                .appSpecContent(AppSpecContent.builder().content(content)
                        .sha256(BundleZip.sha256(content.getBytes(java.nio.charset.StandardCharsets.UTF_8))).build())
                .build();
    }

    /** Whether two revisions are the same deployable thing (what replay compares). */
    static boolean same(RevisionLocation a, RevisionLocation b) {
        if (a == null || b == null || !Objects.equals(a.revisionTypeAsString(), b.revisionTypeAsString())) {
            return false;
        }
        if (a.s3Location() != null && b.s3Location() != null) {
            S3Location x = a.s3Location();
            S3Location y = b.s3Location();
            return Objects.equals(x.bucket(), y.bucket()) && Objects.equals(x.key(), y.key())
                    && Objects.equals(x.bundleTypeAsString(), y.bundleTypeAsString())
                    && Objects.equals(x.version(), y.version()) && Objects.equals(x.eTag(), y.eTag());
        }
        if (a.appSpecContent() != null && b.appSpecContent() != null) {
            return Objects.equals(a.appSpecContent().content(), b.appSpecContent().content());
        }
        if (a.string() != null && b.string() != null) {
            return Objects.equals(a.string().content(), b.string().content());
        }
        return false;
    }

    static String describe(RevisionLocation l) {
        if (l == null) {
            return "(none)";
        }
        if (l.s3Location() != null) {
            return "s3://" + l.s3Location().bucket() + "/" + l.s3Location().key();
        }
        if (l.appSpecContent() != null) {
            try {
                JsonNode td = Json.MAPPER.readTree(l.appSpecContent().content()).path("Resources").path(0)
                        .path("TargetService").path("Properties").path("TaskDefinition");
                return td.isMissingNode() ? "AppSpec" : "AppSpec " + td.asText();
            } catch (IOException e) {
                return "AppSpec (YAML)";
            }
        }
        return l.revisionTypeAsString();
    }

    private S3Client s3() {
        if (s3 == null) {
            var b = aws.configure(S3Client.builder(), "S3");
            if (aws.endpointFor("S3") != null) {
                b.forcePathStyle(true);
            }
            s3 = b.build();
        }
        return s3;
    }

    private EcsClient ecs() {
        return aws.client(EcsClient.class, EcsClient::builder, "ECS");
    }

    void close() {
        if (s3 != null) {
            s3.close();
        }
        if (ecsOnce != null) {
            ecsOnce.close();
        }
    }
}
