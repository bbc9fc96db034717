# Scene: CodeDeploy rolling deployments (codeDeployRolling).
# moto holds the application, the deployment group, the bucket and the deployments created; its CodeDeploy
# never progresses (a deployment stays Created), so WireMock, in front of moto, plays CodeDeploy's lifecycle in
# CodeDeploy's own wire format — as the tests do. Everything else WireMock passes on to moto.
cd_demo() {
  local wm_jar="$HOME/.m2/repository/org/wiremock/wiremock-standalone/3.13.2/wiremock-standalone-3.13.2.jar"
  local moto="$AWS_ENDPOINT_URL" auth dir port
  auth() { echo "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/$AWS_REGION/$1/aws4_request, SignedHeaders=host, Signature=0"; }

  scene "CodeDeploy: the source document's config (FLEET_PERCENT:75 and a 10 % canary in one) is refused before any call"
  set +e
  aws-deploy code-deploy-rolling --application myapp --deployment-group prod --s3-bucket myapp-releases \
    --s3-key app.zip --minimum-healthy-hosts FLEET_PERCENT:75 --traffic-routing Canary10Percent5Minutes
  echo "(exit $?: bad input, nothing was called)"
  set -e

  # The alarm scene left HighErrorRate in ALARM; the incident is over.
  curl -fsS -o /dev/null -X POST "$moto/" -H 'Content-Type: application/x-www-form-urlencoded' -H "$(auth monitoring)" \
    --data 'Action=SetAlarmState&Version=2010-08-01&AlarmName=HighErrorRate&StateValue=OK&StateReason=recovered' \
    2>/dev/null || true
  if [ ! -f "$wm_jar" ]; then
    echo "(WireMock is not in ~/.m2 — run mvn -B verify once to see the deployment scenes)"
    return 0
  fi
  curl -fsS -o /dev/null -X POST "$moto/" -H 'X-Amz-Target: CodeDeploy_20141006.CreateApplication' \
    -H 'Content-Type: application/x-amz-json-1.1' -H "$(auth codedeploy)" \
    -d '{"applicationName":"myapp","computePlatform":"Server"}'
  curl -fsS -o /dev/null -X POST "$moto/" -H 'X-Amz-Target: CodeDeploy_20141006.CreateDeploymentGroup' \
    -H 'Content-Type: application/x-amz-json-1.1' -H "$(auth codedeploy)" \
    -d '{"applicationName":"myapp","deploymentGroupName":"prod","serviceRoleArn":"arn:aws:iam::123456789012:role/codedeploy"}'
  curl -fsS -o /dev/null -X PUT "$moto/myapp-releases" -H "$(auth s3)" -H 'Content-Type: application/xml' \
    --data-binary "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>$AWS_REGION</LocationConstraint></CreateBucketConfiguration>"

  dir="$work/codedeploy-front"
  mkdir -p "$dir/mappings" "$work/bundle/scripts"
  local J='"Content-Type":"application/x-amz-json-1.1"'
  op() { echo "\"request\":{\"method\":\"POST\",\"headers\":{\"X-Amz-Target\":{\"equalTo\":\"CodeDeploy_20141006.$1\"}}${2:-}}"; }
  look() { # status pending inProgress succeeded failed skipped [extra json]
    echo "{\\\"deploymentInfo\\\":{\\\"deploymentId\\\":\\\"{{jsonPath request.body '\$.deploymentId'}}\\\",\\\"applicationName\\\":\\\"myapp\\\",\\\"deploymentGroupName\\\":\\\"prod\\\",\\\"status\\\":\\\"$1\\\",\\\"createTime\\\":1795521600,\\\"computePlatform\\\":\\\"Server\\\",\\\"deploymentOverview\\\":{\\\"Pending\\\":$2,\\\"InProgress\\\":$3,\\\"Succeeded\\\":$4,\\\"Failed\\\":$5,\\\"Skipped\\\":$6}${7:-}}}"
  }
  step() { # n state next body
    local next=""
    [ -n "$3" ] && next=",\"newScenarioState\":\"$3\""
    echo "{\"scenarioName\":\"lifecycle\",\"requiredScenarioState\":\"$2\"$next,\"priority\":5,$(op GetDeployment),\"response\":{\"status\":200,\"headers\":{$J},\"body\":\"$4\",\"transformers\":[\"response-template\"]}}" > "$dir/mappings/get-$1.json"
  }
  step 1 Started s2 "$(look InProgress 3 1 0 0 0)"
  step 2 s2 s3 "$(look InProgress 1 1 2 0 0)"
  step 3 s3 s4 "$(look Succeeded 0 0 4 0 0)"
  step 4 s4 s5 "$(look InProgress 3 1 0 0 0)"
  step 5 s5 "" "$(look Stopped 0 0 1 0 3 ',\"errorInformation\":{\"code\":\"ALARM_ACTIVE\",\"message\":\"One or more alarms have been activated. Activated alarms: <HighErrorRate>\"},\"rollbackInfo\":{\"rollbackDeploymentId\":\"d-ROLLBACK01\",\"rollbackMessage\":\"Rollback in progress\"}')"
  cat > "$dir/mappings/rollback.json" <<JSON
{"priority":2,$(op GetDeployment ',"bodyPatterns":[{"contains":"d-ROLLBACK01"}]'),"response":{"status":200,"headers":{$J},
 "body":"{\"deploymentInfo\":{\"deploymentId\":\"d-ROLLBACK01\",\"status\":\"Succeeded\",\"createTime\":1795521900,\"deploymentOverview\":{\"Pending\":0,\"InProgress\":0,\"Succeeded\":4,\"Failed\":0,\"Skipped\":0}}}"}}
JSON
  cat > "$dir/mappings/app.json" <<JSON
{"priority":5,$(op GetApplication),"response":{"status":200,"headers":{$J},
 "body":"{\"application\":{\"applicationName\":\"myapp\",\"computePlatform\":\"Server\",\"createTime\":1795521000}}"}}
JSON
  cat > "$dir/mappings/config-missing.json" <<JSON
{"scenarioName":"config","requiredScenarioState":"Started","priority":5,$(op GetDeploymentConfig),"response":{"status":400,"headers":{$J},
 "body":"{\"__type\":\"DeploymentConfigDoesNotExistException\",\"message\":\"No deployment configuration found\"}"}}
JSON
  cat > "$dir/mappings/config-create.json" <<JSON
{"scenarioName":"config","requiredScenarioState":"Started","newScenarioState":"made","priority":5,$(op CreateDeploymentConfig),"response":{"status":200,"headers":{$J},"body":"{\"deploymentConfigId\":\"c0ffee00-0000-4000-8000-000000000001\"}"}}
JSON
  cat > "$dir/mappings/config-made.json" <<JSON
{"scenarioName":"config","requiredScenarioState":"made","priority":5,$(op GetDeploymentConfig),"response":{"status":200,"headers":{$J},
 "body":"{\"deploymentConfigInfo\":{\"deploymentConfigName\":\"aws-deploy-FLEET_PERCENT-75\",\"computePlatform\":\"Server\",\"minimumHealthyHosts\":{\"type\":\"FLEET_PERCENT\",\"value\":75}}}"}}
JSON
  cat > "$dir/mappings/none-active.json" <<JSON
{"priority":5,$(op BatchGetDeployments),"response":{"status":200,"headers":{$J},"body":"{\"deploymentsInfo\":[]}"}}
JSON
  cat > "$dir/mappings/targets.json" <<JSON
{"priority":5,$(op ListDeploymentTargets),"response":{"status":200,"headers":{$J},"body":"{\"targetIds\":[]}"}}
JSON
  # Release train: a deployment with description "release 3 (awaits approval)" is answered as d-DEMOREADY, goes
  # InProgress, then waits at Ready until ContinueDeployment; meanwhile the group lists it as its deployment at Ready.
  cat > "$dir/mappings/promo-create.json" <<JSON
{"scenarioName":"promo","requiredScenarioState":"Started","newScenarioState":"waiting","priority":4,$(op CreateDeployment ',"bodyPatterns":[{"contains":"awaits approval"}]'),"response":{"status":200,"headers":{$J},"body":"{\"deploymentId\":\"d-DEMOREADY\"}"}}
JSON
  cat > "$dir/mappings/promo-batch.json" <<JSON
{"scenarioName":"promo","requiredScenarioState":"waiting","priority":4,$(op BatchGetDeployments),"response":{"status":200,"headers":{$J},
 "body":"{\"deploymentsInfo\":[{\"deploymentId\":\"d-DEMOREADY\",\"applicationName\":\"myapp\",\"deploymentGroupName\":\"prod\",\"status\":\"Ready\",\"createTime\":1795522000,\"creator\":\"user\",\"description\":\"release 3 (awaits approval)\",\"revision\":{\"revisionType\":\"S3\",\"s3Location\":{\"bucket\":\"myapp-releases\",\"key\":\"aws-deploy/bundle-3.zip\",\"bundleType\":\"zip\"}}}]}"}}
JSON
  promo() { # n state next body [extra request json]
    local next=""
    [ -n "$3" ] && next=",\"newScenarioState\":\"$3\""
    echo "{\"scenarioName\":\"promo-looks\",\"requiredScenarioState\":\"$2\"$next,\"priority\":2,$(op GetDeployment ',"bodyPatterns":[{"contains":"d-DEMOREADY"}]'),\"response\":{\"status\":200,\"headers\":{$J},\"body\":\"$4\",\"transformers\":[\"response-template\"]}}" > "$dir/mappings/promo-$1.json"
  }
  promo 1 Started ready "$(look InProgress 2 2 0 0 0)"
  promo 2 ready "" "$(look Ready 0 0 0 0 0)"
  promo 3 continued done "$(look InProgress 0 1 3 0 0)"
  promo 4 done "" "$(look Succeeded 0 0 4 0 0)"
  cat > "$dir/mappings/promo-continue.json" <<JSON
{"scenarioName":"promo-looks","requiredScenarioState":"ready","newScenarioState":"continued","priority":2,$(op ContinueDeployment),"response":{"status":200,"headers":{$J},"body":"{}"}}
JSON
  port=$(free_port)
  java -jar "$wm_jar" --port "$port" --bind-address 127.0.0.1 --root-dir "$dir" --proxy-all "$moto" \
    --disable-banner --local-response-templating >"$work/wiremock.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$port/__admin/mappings"

  printf 'version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: scripts/start_server.sh\n' > "$work/bundle/appspec.yml"
  printf '#!/bin/sh\nexec java -jar /opt/myapp/app.jar\n' > "$work/bundle/scripts/start_server.sh"

  scene "CodeDeploy: roll out a bundle folder keeping 75 % of the fleet in service (config created once, bundle uploaded once)"
  AWS_ENDPOINT_URL="http://127.0.0.1:$port" aws-deploy code-deploy-rolling --application myapp \
    --deployment-group prod --bundle "$work/bundle" --s3-bucket myapp-releases \
    --minimum-healthy-hosts FLEET_PERCENT:75 --alarms HighErrorRate --timeout 10m

  scene "CodeDeploy: the next release trips HighErrorRate; CodeDeploy stops and rolls back, the step follows the rollback"
  echo 'echo v2' >> "$work/bundle/scripts/start_server.sh"
  set +e
  AWS_ENDPOINT_URL="http://127.0.0.1:$port" aws-deploy code-deploy-rolling --application myapp \
    --deployment-group prod --bundle "$work/bundle" --s3-bucket myapp-releases \
    --minimum-healthy-hosts FLEET_PERCENT:75 --alarms HighErrorRate --timeout 10m
  echo "(exit $?: 3 means the deployment failed and was rolled back)"
  set -e

  scene "CodeDeploy release train: deploy blue/green and stop at Ready (awaitPromotion); the build carries on, CodeDeploy holds it"
  echo 'echo v3' >> "$work/bundle/scripts/start_server.sh"
  AWS_ENDPOINT_URL="http://127.0.0.1:$port" aws-deploy code-deploy-rolling --application myapp \
    --deployment-group prod --bundle "$work/bundle" --s3-bucket myapp-releases \
    --minimum-healthy-hosts FLEET_PERCENT:75 --description "release 3 (awaits approval)" --await-promotion

  scene "CodeDeploy release train: a later stage promotes what waits at Ready, found in CodeDeploy, and follows it"
  AWS_ENDPOINT_URL="http://127.0.0.1:$port" aws-deploy code-deploy-rolling --application myapp \
    --deployment-group prod --action promote
}
cd_demo
