package dev.awsdeploy.ecs;

import dev.awsdeploy.ecs.TrafficRoute.Weights;
import java.util.List;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Deployment;
import software.amazon.awssdk.services.ecs.model.Service;

/**
 * The last look before a deploy reports success: the new colour's service is still set to this run's task
 * definition and its PRIMARY deployment runs it, and the rule sends it 100 %. Read from AWS right then, so a
 * success is never reported for a version another deployment replaced meanwhile.
 */
final class FinalCheck {
    private FinalCheck() {
    }

    /** What is not as this run left it, or null when all of it is. */
    static String problem(EcsClient ecs, TrafficRoute route, BlueGreenRequest req, BlueGreenState s) {
        String name = req.service(s.newColor);
        String ours = TaskDefinitionSource.shortName(s.taskDefinitionArn);
        List<Service> found = ecs.describeServices(b -> b.cluster(req.cluster()).services(name)).services();
        if (found.isEmpty()) {
            return "service " + name + " is gone from cluster " + req.cluster();
        }
        Service svc = found.get(0);
        if (!s.taskDefinitionArn.equals(svc.taskDefinition())) {
            return name + " is set to " + TaskDefinitionSource.shortName(svc.taskDefinition()) + ", not " + ours
                    + " (another deployment changed it)";
        }
        Deployment primary = svc.deployments().stream().filter(d -> "PRIMARY".equals(d.status())).findFirst()
                .orElse(null);
        if (primary != null && !s.taskDefinitionArn.equals(primary.taskDefinition())) {
            return name + "'s primary deployment runs " + TaskDefinitionSource.shortName(primary.taskDefinition())
                    + ", not " + ours;
        }
        Weights w = route.read();
        if (w.of(s.newColor) != 100) {
            return (req.usesRule() ? "the rule" : "the listener") + " shows " + w + ", not 100 % on " + s.newColor;
        }
        return null;
    }
}
