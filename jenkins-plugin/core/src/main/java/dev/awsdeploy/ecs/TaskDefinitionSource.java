package dev.awsdeploy.ecs;

import dev.awsdeploy.run.BadInputException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionField;

/**
 * Where the new version comes from: the live colour's task definition with one container's image replaced
 * (everything else kept), a {@code register-task-definition --cli-input-json} file, or an existing task
 * definition (family:revision or ARN). A task definition "is" the requested version when it is what would be
 * registered — same family, images and settings ({@link #difference}) — which is how a replay recognises what
 * already runs.
 */
public final class TaskDefinitionSource {
    private final EcsClient ecs;
    private final BlueGreenRequest req;
    /** What would be registered; null when an existing task definition was named. */
    private RegisterTaskDefinitionRequest registration;
    /** The named existing task definition (taskDefinition: family:revision or ARN). */
    private TaskDefinition existing;
    private String container;
    /** The content tag of the registration (see {@link ContentTag}), and the registration before it was added. */
    private String contentHash;
    private RegisterTaskDefinitionRequest untagged;

    public TaskDefinitionSource(EcsClient ecs, BlueGreenRequest req) {
        this.ecs = ecs;
        this.req = req;
    }

    /** Works out the new version from the live task definition; unknown container or task definition is bad input. */
    public void prepare(TaskDefinition live) {
        if (req.image() != null) {
            container = pickContainer(live);
            registration = fromLive(live, container, req.image());
        } else if (req.taskDefinitionFile() != null) {
            registration = req.taskDefinitionFile();
        } else {
            existing = describe(req.taskDefinition(), "taskDefinition");
        }
        if (registration != null) {
            untagged = registration;
            contentHash = ContentTag.of(registration);
            registration = ContentTag.tagged(registration, contentHash);
        }
    }

    private String pickContainer(TaskDefinition live) {
        List<ContainerDefinition> cs = live.containerDefinitions();
        List<String> names = cs.stream().map(ContainerDefinition::name).toList();
        if (req.container() != null) {
            if (!names.contains(req.container())) {
                throw new BadInputException("container", req.container(), "is not a container of the live task "
                        + "definition " + shortName(live.taskDefinitionArn()) + " (it has " + String.join(", ", names)
                        + ")", dev.awsdeploy.run.Params.suggestion(req.container(), names,
                        "use one of " + String.join(", ", names)));
            }
            return req.container();
        }
        if (cs.size() == 1) {
            return cs.get(0).name();
        }
        return cs.stream().filter(c -> c.essential() == null || c.essential()).map(ContainerDefinition::name)
                .findFirst().orElse(cs.get(0).name());
    }

    /**
     * The live task definition as a registration, with one image replaced and nothing else changed: every field
     * the two models share is copied (walked through the SDK's field metadata, so a setting added to ECS later is
     * kept too).
     */
    static RegisterTaskDefinitionRequest fromLive(TaskDefinition live, String container, String image) {
        RegisterTaskDefinitionRequest.Builder b = RegisterTaskDefinitionRequest.builder();
        Map<String, SdkField<?>> settable = new LinkedHashMap<>();
        b.sdkFields().forEach(f -> settable.put(f.memberName(), f));
        for (SdkField<?> f : live.sdkFields()) {
            SdkField<?> to = settable.get(f.memberName());
            if (to != null) {
                to.set(b, f.getValueOrDefault(live));
            }
        }
        List<ContainerDefinition> containers = new ArrayList<>();
        for (ContainerDefinition c : live.containerDefinitions()) {
            containers.add(c.name().equals(container) ? c.toBuilder().image(image).build() : c);
        }
        return b.containerDefinitions(containers).build();
    }

    public TaskDefinition describe(String ref, String param) {
        try {
            return ecs.describeTaskDefinition(b -> b.taskDefinition(ref)).taskDefinition();
        } catch (ClientException e) {
            throw new BadInputException(param, ref, "no such task definition in this account and region",
                    "register it first, or give family:revision of an existing revision");
        }
    }

    /** The new version's images by container name. */
    public Map<String, String> images() {
        return imagesOf(existing != null ? existing.containerDefinitions() : registration.containerDefinitions());
    }

    private static Map<String, String> imagesOf(List<ContainerDefinition> containers) {
        Map<String, String> m = new LinkedHashMap<>();
        containers.forEach(c -> m.put(c.name(), c.image()));
        return m;
    }

    public String family() {
        return existing != null ? existing.family() : registration.family();
    }

    /** Whether {@code td} is the requested version: see {@link #difference}. */
    public boolean matches(TaskDefinition td) {
        return difference(td) == null;
    }

    /**
     * Why {@code td} is not the requested version, in a person's words ("environment differs
     * (containerDefinitions[web].environment[LOG_LEVEL].value: info -> debug)"), or null when it is. A named
     * revision must be that revision. Otherwise the family and every container's image must be the same, and so
     * must the content: a revision this tool registered from the same content carries the same content tag; any
     * other revision is compared field by field ({@link TaskDefinitionDiff}, which knows the defaults ECS fills in),
     * so a file that changes only settings (environment, secrets, cpu, command …) is a new version, not "already
     * running". A setting ECS may have filled in that the diff does not know makes a redeploy, never a false
     * "unchanged".
     */
    public String difference(TaskDefinition td) {
        if (td == null) {
            return "there is no task definition";
        }
        if (existing != null) {
            return existing.taskDefinitionArn().equals(td.taskDefinitionArn()) ? null
                    : "it is " + shortName(td.taskDefinitionArn()) + ", not " + shortName(existing.taskDefinitionArn());
        }
        if (!family().equals(td.family())) {
            return "its family is " + td.family() + ", not " + family();
        }
        if (!sameImages(td)) {
            return "its images are " + imagesOf(td.containerDefinitions()) + ", not " + images();
        }
        List<TaskDefinitionDiff.Change> changes = TaskDefinitionDiff.between(td, untagged).changes().stream()
                .filter(c -> !c.field().equals("tags")).toList();
        if (changes.isEmpty() && untagged.tags().isEmpty()) {
            return null;
        }
        List<Tag> tags = tags(td.taskDefinitionArn());
        if (tags.stream().anyMatch(t -> ContentTag.KEY.equals(t.key()) && contentHash.equals(t.value()))) {
            return null;
        }
        if (!changes.isEmpty()) {
            return TaskDefinitionDiff.describe(changes);
        }
        Set<Tag> theirs = new HashSet<>(tags);
        theirs.removeIf(t -> ContentTag.KEY.equals(t.key()));
        return theirs.equals(new HashSet<>(untagged.tags())) ? null : "tags differ (" + theirs.stream()
                .map(t -> t.key() + "=" + t.value()).sorted().toList() + " -> " + untagged.tags().stream()
                .map(t -> t.key() + "=" + t.value()).sorted().toList() + ")";
    }

    /** For "already runs" messages: that the file's settings were compared too, not only the images. */
    public String contentNote() {
        return req.taskDefinitionFile() != null ? ", same settings as the taskDefinition file" : "";
    }

    /** Whether {@code td} has the requested version's images (by container), whatever its other settings. */
    public boolean sameImages(TaskDefinition td) {
        return td != null && imagesOf(td.containerDefinitions()).equals(images());
    }

    private List<Tag> tags(String arn) {
        try {
            return ecs.describeTaskDefinition(b -> b.taskDefinition(arn).include(TaskDefinitionField.TAGS)).tags();
        } catch (ClientException e) {
            return List.of();
        }
    }

    /**
     * The family's latest ACTIVE revision when it carries this deploy's content tag — what an attempt whose answer
     * was lost, or a deploy interrupted right after registering, left behind — or null.
     */
    public TaskDefinition findRegistered() {
        if (existing != null) {
            return existing;
        }
        return ContentTag.latest(ecs, family(), contentHash).orElse(null);
    }

    /** The new version as a model: the registration to make (without the content tag), or the named one. */
    public software.amazon.awssdk.core.SdkPojo newDefinition() {
        return existing != null ? existing : untagged;
    }

    /**
     * Registers the revision once: a revision with this content tag is reused; the call is sent without the SDK's
     * retries and, when it fails or its answer is lost, looked for again before the failure counts.
     */
    public dev.awsdeploy.aws.CreatingCall.Outcome<TaskDefinition> register() {
        RegisterTaskDefinitionRequest once = registration.toBuilder()
                .overrideConfiguration(o -> o.addPlugin(dev.awsdeploy.aws.CreatingCall.ONCE)).build();
        return dev.awsdeploy.aws.CreatingCall.run(() -> java.util.Optional.ofNullable(findRegistered()),
                () -> ecs.registerTaskDefinition(once).taskDefinition());
    }

    public boolean needsRegistration() {
        return existing == null;
    }

    /** The container whose image is replaced (image mode), else null. */
    public String container() {
        return container;
    }

    /** The image users think of as "the version": the replaced container's, or the first container's. */
    public String image() {
        if (req.image() != null) {
            return req.image();
        }
        return images().values().iterator().next();
    }

    static String shortName(String arn) {
        return arn == null ? null : arn.substring(arn.lastIndexOf('/') + 1);
    }

    /**
     * Registers the new task definition once ({@link #register}) and says what happened: registered, reused by its
     * content tag, or found after a lost answer. Returns its ARN.
     */
    String registerOnce(dev.awsdeploy.run.Progress progress) {
        var r = register();
        String arn = r.value().taskDefinitionArn();
        String name = shortName(arn);
        if (!r.created()) {
            progress.say("registered", "Task definition " + name + " already registered with " + image()
                    + " (content tag " + ContentTag.KEY + "): reusing it");
        } else {
            progress.action("RegisterTaskDefinition", arn, "Registered " + name + " (" + image() + ")"
                    + (r.foundAfterFailure() ? "; its answer was lost, the revision was found by its content tag" : ""));
        }
        return arn;
    }
}
