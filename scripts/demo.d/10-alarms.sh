# Scene: alarms as code (cloudWatchAlarm).
scene "Alarms as code: put the HighErrorRate alarm from the source document's JSON"
aws-deploy cloudwatch-alarm put --file resources/alarms/high-error-rate.json

scene "Put it again: nothing to change"
aws-deploy cloudwatch-alarm put --file resources/alarms/high-error-rate.json

scene "Publish the business metrics"
aws-deploy cloudwatch-alarm put-metric --namespace MyApp/Business --metric-name OrderCount --value 150 --unit Count
aws-deploy cloudwatch-alarm put-metric --namespace MyApp/Business --metric-name Revenue --value 50000 --unit None

scene "Gate on the alarm for 2 minutes; it goes to ALARM after 3 seconds"
( sleep 3
  curl -fsS -o /dev/null -X POST "$AWS_ENDPOINT_URL/" \
    -H 'Content-Type: application/x-www-form-urlencoded' \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/$AWS_REGION/monitoring/aws4_request, SignedHeaders=host, Signature=0" \
    --data 'Action=SetAlarmState&Version=2010-08-01&AlarmName=HighErrorRate&StateValue=ALARM&StateReason=demo%3A+error+rate+8%25' ) &
set +e
aws-deploy cloudwatch-alarm wait --alarms HighErrorRate --duration 2m --poll-interval 2s
code=$?
set -e
echo "(the gate exited with $code: 3 means it failed because an alarm fired)"
