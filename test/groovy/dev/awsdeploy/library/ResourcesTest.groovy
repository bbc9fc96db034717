package dev.awsdeploy.library

import static org.junit.Assert.assertEquals
import static org.junit.Assert.assertFalse
import static org.junit.Assert.assertTrue

import groovy.json.JsonSlurperClassic
import org.junit.Before
import org.junit.Test

/** The library's resources load with libraryResource and hold what the steps and users expect. */
class ResourcesTest extends LibraryPipelineTest {
    @Before
    void setUp() {
        setUpLibrary()
    }

    @Test
    void theAlarmTheTaskDefinitionAndTheAppSpecTemplateLoad() {
        Map loaded = [:]
        binding.setVariable('loaded', loaded)

        runScript('resources.jenkins')

        Map alarm = new JsonSlurperClassic().parseText(loaded.alarm) as Map
        assertEquals('HighErrorRate', alarm.AlarmName)
        assertEquals('API 에러율이 5%를 초과했을 때', alarm.AlarmDescription)
        Map taskDefinition = new JsonSlurperClassic().parseText(loaded.taskDefinition) as Map
        assertEquals('myapp', taskDefinition.family)
        assertEquals(['FARGATE'], taskDefinition.requiresCompatibilities)
        String appspec = loaded.appspec
        assertFalse(appspec, appspec.contains('${'))
        assertTrue(appspec.contains('TaskDefinition: "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/myapp:7"'))
        assertTrue(appspec.contains('ContainerName: "myapp"'))
        assertTrue(appspec.contains('ContainerPort: 8080'))
        assertTrue(appspec.contains('Type: AWS::ECS::Service'))
    }
}
