package dev.awsdeploy.ecs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.awsdeploy.aws.CliInputJson;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.RegisterTaskDefinitionRequest;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;

/**
 * The image mode's registration is the live task definition with one image replaced: every setting a registration
 * can carry is kept, also those moto does not store (so this is checked on the SDK's models, not through moto).
 */
class TaskDefinitionSourceTest {
    @Test
    void theRegistrationFromTheLiveRevisionKeepsEverySettingAndChangesOnlyTheImage() {
        TaskDefinition live = TaskDefinition.builder().taskDefinitionArn(
                "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/myapp:7").family("myapp").revision(7)
                .status("ACTIVE").networkMode("awsvpc").requiresCompatibilitiesWithStrings("FARGATE").cpu("512")
                .memory("1024").executionRoleArn("arn:aws:iam::123456789012:role/ecsTaskExecutionRole")
                .taskRoleArn("arn:aws:iam::123456789012:role/ecsTaskRole").enableFaultInjection(true)
                .pidMode("task").ephemeralStorage(e -> e.sizeInGiB(30))
                .runtimePlatform(p -> p.cpuArchitecture("ARM64").operatingSystemFamily("LINUX"))
                .volumes(v -> v.name("scratch"))
                .containerDefinitions(ContainerDefinition.builder().name("myapp").image(BlueGreenWorld.V1)
                        .essential(true).build(), ContainerDefinition.builder().name("log-router")
                        .image("amazon/aws-for-fluent-bit:2").essential(false).build())
                .build();

        RegisterTaskDefinitionRequest r = TaskDefinitionSource.fromLive(live, "myapp", BlueGreenWorld.V2);

        assertEquals(Boolean.TRUE, r.enableFaultInjection());
        assertEquals(List.of(BlueGreenWorld.V2, "amazon/aws-for-fluent-bit:2"),
                r.containerDefinitions().stream().map(ContainerDefinition::image).toList());
        ObjectNode kept = CliInputJson.toJson(live);
        kept.retain(CliInputJson.fieldNames(RegisterTaskDefinitionRequest.builder()));
        ObjectNode made = CliInputJson.toJson(r);
        ((ObjectNode) made.path("containerDefinitions").get(0)).put("image", BlueGreenWorld.V1);
        assertEquals(kept, made, "every field a registration carries, as live has it");
    }
}
