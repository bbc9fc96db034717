# Scene: ECS's own canary deployment of one service (ecsBlueGreen deployment: 'ecs').
# moto implements none of ECS's native deployments, so the scene puts the project's ECS service deployment
# simulator (dev.awsdeploy.testing.EcsServiceDeploymentFront, from the core test jar) between the CLI and moto: it
# walks ECS's lifecycle stages and writes the production rule's weights in moto as ECS would. Here one of ECS's
# minutes lasts 10 s (the simulator's clock); the step reads the real rule back from moto after every stage.
native_front_port=$(free_port)
java -cp "jenkins-plugin/core/target/aws-deploy.jar:$ecs_tests_jar" dev.awsdeploy.testing.EcsServiceDeploymentFront \
  "$native_front_port" "$AWS_ENDPOINT_URL" 10s >"$work/service-deployments.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$native_front_port/moto-api/data.json"
native_rule=$(python3 scripts/demo.d/35-ecs-native-world.py world "http://127.0.0.1:$native_front_port")
native_repo=123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop
native_deploy() {
  AWS_ENDPOINT_URL="http://127.0.0.1:$native_front_port" AWS_DEPLOY_SHIFT_MINUTE=10s aws-deploy ecs-blue-green \
    --deployment ecs --cluster prod --service shop --alarms HighErrorRate --poll-interval 1s "$@"
}
ecs_alarm OK 1

scene "ECS's own canary: deploy shop:v2 with Canary10Percent1Minutes and a 1-minute bake (an ECS minute lasts 10 s here)"
native_deploy --image "$native_repo:v2" --traffic-shift Canary10Percent1Minutes --bake-time 1m

scene "ECS's own canary again with v3; the error rate alarm fires during the canary: StopServiceDeployment ROLLBACK"
( python3 scripts/demo.d/35-ecs-native-world.py wait-split "$native_rule" && sleep 3 && ecs_alarm ALARM 9 \
  && echo "   >>> demo: HighErrorRate set to ALARM" >&2 ) &
set +e
native_deploy --image "$native_repo:v3" --traffic-shift Canary10Percent1Minutes --bake-time 1m
code=$?
set -e
echo "(exit $code: 3 = rolled back through ECS, all production on the old revision, read back)"
ecs_alarm OK 1

scene "Replay the v2 build: it is live with 100 % of production already, nothing to do"
native_deploy --image "$native_repo:v2" --output json | python3 -c 'import json,sys; r=json.load(sys.stdin); print({k: r[k] for k in ("status","deploymentStatus","apiCalls")})'
