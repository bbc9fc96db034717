# Scene: verified blue/green on ECS (ecsBlueGreen).
# moto keeps ECS deployments frozen and registers no targets, so the scene puts the project's ECS rollout
# simulator (dev.awsdeploy.testing.EcsRolloutFront, from the core test jar) between the CLI and moto: it forwards
# every call unchanged and only shows rollouts progressing and targets as ECS/ALB would. Rules, weights, alarms
# and task definitions are moto's own. trafficShift and bakeTime minutes last 10 s here (AWS_DEPLOY_SHIFT_MINUTE).
ecs_tests_jar=$(ls jenkins-plugin/core/target/aws-deploy-core-*-tests.jar 2>/dev/null | head -1)
if [ -z "$ecs_tests_jar" ]; then
  mvn -B -q -DskipTests -pl jenkins-plugin/core -am package
  ecs_tests_jar=$(ls jenkins-plugin/core/target/aws-deploy-core-*-tests.jar | head -1)
fi
ecs_front_port=$(free_port)
java -cp "jenkins-plugin/core/target/aws-deploy.jar:$ecs_tests_jar" dev.awsdeploy.testing.EcsRolloutFront \
  "$ecs_front_port" "$AWS_ENDPOINT_URL" 3 >"$work/rollouts.log" 2>&1 &
pids+=($!)
mkdir -p "$work/blue" "$work/green"
echo '{"status":"UP","color":"blue"}' >"$work/blue/health"
echo '{"status":"UP","color":"green"}' >"$work/green/health"
ecs_blue_port=$(free_port); ecs_green_port=$(free_port)
python3 -m http.server "$ecs_blue_port" --bind 127.0.0.1 --directory "$work/blue" >/dev/null 2>&1 &
pids+=($!)
python3 -m http.server "$ecs_green_port" --bind 127.0.0.1 --directory "$work/green" >/dev/null 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$ecs_blue_port/health"
wait_http "http://127.0.0.1:$ecs_green_port/health"
wait_http "http://127.0.0.1:$ecs_front_port/moto-api/data.json"

ecs_alarm() { # STATE: what CloudWatch would do when the error rate crosses the threshold
  curl -fsS -o /dev/null -X POST "$AWS_ENDPOINT_URL/" -H 'Content-Type: application/x-www-form-urlencoded' \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/$AWS_REGION/monitoring/aws4_request, SignedHeaders=host, Signature=0" \
    --data "Action=SetAlarmState&Version=2010-08-01&AlarmName=HighErrorRate&StateValue=$1&StateReason=demo%3A+error+rate+${2:-1}%25"
}
ecs_deploy() {
  AWS_ENDPOINT_URL="http://127.0.0.1:$ecs_front_port" AWS_DEPLOY_SHIFT_MINUTE=10s aws-deploy ecs-blue-green \
    --cluster prod --service myapp --listener-rule-arn "$ecs_rule" \
    --health-check-url "blue=http://127.0.0.1:$ecs_blue_port/health,green=http://127.0.0.1:$ecs_green_port/health" \
    --alarms HighErrorRate --poll-interval 1s "$@"
}
ecs_repo=123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/myapp
ecs_rule=$(python3 scripts/demo.d/30-ecs-world.py world)
ecs_alarm OK 1

scene "Blue/green: deploy myapp:v2 to green, canary 10 % for 1 minute, bake 3 minutes (a demo minute lasts 10 s); the error rate alarm fires during the bake"
( python3 scripts/demo.d/30-ecs-world.py wait-green 100 "$ecs_rule" && sleep 4 && ecs_alarm ALARM 8 && echo "   >>> demo: HighErrorRate set to ALARM" >&2 ) &
set +e
reports="$here/target/demo-reports"
ecs_deploy --image "$ecs_repo:v2" --traffic-shift Canary10Percent1Minutes --bake-time 3m \
  --record "$reports/canary-rollback-record.json" --report "$reports/canary-rollback.html"
code=$?
set -e
echo "(exit $code: 3 = rolled back, all traffic on blue again)"
echo "Deployment report of this run (traffic per colour, phases, the alarm strip, the rollback): $reports/canary-rollback.html"
echo "  open it in a browser; aws-deploy report $reports/canary-rollback-record.json rebuilds it from the record"

scene "Replay the build that deployed v1: it is live at 100 % already, nothing to do"
ecs_deploy --image "$ecs_repo:v1"

scene "The alarm clears; deploy v2 again: green already runs it and is healthy, so traffic switches at once (one ModifyRule)"
ecs_alarm OK 1
ecs_deploy --image "$ecs_repo:v2" --traffic-shift Canary10Percent1Minutes

scene "Roll back by replaying the v1 build: blue still runs v1, instant switch"
ecs_deploy --image "$ecs_repo:v1" --output json | python3 -c 'import json,sys; r=json.load(sys.stdin); print({k: r[k] for k in ("status","liveColor","previousColor","trafficShift","apiCalls")})'
