package dev.awsdeploy.ecs;

import dev.awsdeploy.run.BadInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;

/**
 * Where the new version comes from: the live colour's task definition with one container's image replaced
 * (everything else kept), a {@code register-task-definition --cli-input-json} file, or an existing task
 * definition (family:revision or ARN). A task definition "is" the requested version when it has the same family
 * and the same image in every container, which is how a replay recognises what already runs.
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

    /** The live task definition as a registration, with one image replaced and nothing else changed. */
    static RegisterTaskDefinitionRequest fromLive(TaskDefinition live, String container, String image) {
        List<ContainerDefinition> containers = new ArrayList<>();
        for (ContainerDefinition c : live.containerDefinitions()) {
            containers.add(c.name().equals(container) ? c.toBuilder().image(image).build() : c);
        }
        RegisterTaskDefinitionRequest.Builder b = RegisterTaskDefinitionRequest.builder()
                .family(live.family())
                .taskRoleArn(live.taskRoleArn())
                .executionRoleArn(live.executionRoleArn())
                .networkMode(live.networkMode())
                .containerDefinitions(containers)
                .cpu(live.cpu())
                .memory(live.memory())
                .pidMode(live.pidMode())
                .ipcMode(live.ipcMode())
                .proxyConfiguration(live.proxyConfiguration())
                .ephemeralStorage(live.ephemeralStorage())
                .runtimePlatform(live.runtimePlatform());
        if (live.hasVolumes()) {
            b.volumes(live.volumes());
        }
        if (live.hasPlacementConstraints()) {
            b.placementConstraints(live.placementConstraints());
        }
        if (live.hasRequiresCompatibilities()) {
            b.requiresCompatibilitiesWithStrings(live.requiresCompatibilitiesAsStrings());
        }
        if (live.hasInferenceAccelerators()) {
            b.inferenceAccelerators(live.inferenceAccelerators());
        }
        return b.build();
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
        Map<String, String> m = new LinkedHashMap<>();
        List<ContainerDefinition> cs = existing != null ? existing.containerDefinitions()
                : registration.containerDefinitions();
        cs.forEach(c -> m.put(c.name(), c.image()));
        return m;
    }

    public String family() {
        return existing != null ? existing.family() : registration.family();
    }

    /** Whether {@code td} is the requested version (same ARN when one was named; else same family and images). */
    public boolean matches(TaskDefinition td) {
        if (td == null) {
            return false;
        }
        if (existing != null) {
            return existing.taskDefinitionArn().equals(td.taskDefinitionArn());
        }
        Map<String, String> images = new LinkedHashMap<>();
        td.containerDefinitions().forEach(c -> images.put(c.name(), c.image()));
        return family().equals(td.family()) && images.equals(images());
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
