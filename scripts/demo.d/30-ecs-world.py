"""Demo helper for 30-ecs.sh (not a scene itself): builds the blue/green world in moto, or watches the rule.

  world: an ALB with a listener and a rule forwarding 100/0 to the myapp-blue and myapp-green target groups,
         cluster prod, services myapp-blue and myapp-green (2 tasks each) on myapp:1 (image v1). Prints the rule ARN.
  wait-green PERCENT: returns once the rule gives green at least PERCENT % (the demo's cue to set the alarm).
"""
import os
import sys
import time

import boto3

kw = dict(endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
elb = boto3.client("elbv2", **kw)
repo = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/myapp"


def world():
    ec2 = boto3.client("ec2", **kw)
    ecs = boto3.client("ecs", **kw)
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    vpc = ec2.describe_subnets(SubnetIds=subnets[:1])["Subnets"][0]["VpcId"]
    lb = elb.create_load_balancer(Name="myapp-alb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    tg = {c: elb.create_target_group(Name="myapp-" + c, Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")
          ["TargetGroups"][0]["TargetGroupArn"] for c in ("blue", "green")}
    fwd = [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": tg["blue"], "Weight": 100}, {"TargetGroupArn": tg["green"], "Weight": 0}]}}]
    listener = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=fwd)
    listener = listener["Listeners"][0]["ListenerArn"]
    rule = elb.create_rule(ListenerArn=listener, Priority=10, Actions=fwd,
                           Conditions=[{"Field": "path-pattern", "Values": ["/*"]}])["Rules"][0]["RuleArn"]
    ecs.create_cluster(clusterName="prod")
    td = ecs.register_task_definition(
        family="myapp", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="512", memory="1024",
        executionRoleArn="arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
        containerDefinitions=[{"name": "myapp", "image": repo + ":v1", "essential": True,
                               "portMappings": [{"containerPort": 8080, "protocol": "tcp"}]}],
    )["taskDefinition"]["taskDefinitionArn"]
    for c in ("blue", "green"):
        ecs.create_service(cluster="prod", serviceName="myapp-" + c, taskDefinition=td, desiredCount=2,
                           launchType="FARGATE",
                           loadBalancers=[{"targetGroupArn": tg[c], "containerName": "myapp", "containerPort": 8080}])
    print(rule)


def wait_green(percent, rule):
    green = None
    for _ in range(1200):
        actions = elb.describe_rules(RuleArns=[rule])["Rules"][0]["Actions"]
        for t in actions[0]["ForwardConfig"]["TargetGroups"]:
            if "/myapp-green/" in t["TargetGroupArn"]:
                green = t["Weight"]
        if green is not None and green >= percent:
            return
        time.sleep(0.25)
    sys.exit("green never reached %s %%" % percent)


if __name__ == "__main__":
    if sys.argv[1] == "world":
        world()
    else:
        wait_green(int(sys.argv[2]), sys.argv[3])
