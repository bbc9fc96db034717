"""Demo helper for 35-ecs-native.sh (not a scene itself): builds the world of ECS's own blue/green in moto.

  world FRONT_URL: an ALB with a production rule forwarding 100/0 to the shop-blue and shop-green target groups,
         and service shop (2 tasks, shop:1, image v1) under the ECS deployment controller, its load balancer's
         advancedConfiguration naming shop-green as the alternate target group, the rule and a role. The service is
         created through the ECS service deployment simulator (FRONT_URL), which keeps its deploymentConfiguration
         as ECS would. Prints the rule ARN.
  wait-split RULE: returns once no target group has all the traffic (the canary has started).
"""
import os
import sys
import time

import boto3

kw = dict(endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
elb = boto3.client("elbv2", **kw)
repo = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop"


def world(front):
    ec2 = boto3.client("ec2", **kw)
    ecs = boto3.client("ecs", endpoint_url=front, region_name=os.environ["AWS_REGION"])
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    vpc = ec2.describe_subnets(SubnetIds=subnets[:1])["Subnets"][0]["VpcId"]
    lb = elb.create_load_balancer(Name="shop-alb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    tg = {c: elb.create_target_group(Name="shop-" + c, Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")
          ["TargetGroups"][0]["TargetGroupArn"] for c in ("blue", "green")}
    fwd = [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": tg["blue"], "Weight": 100}, {"TargetGroupArn": tg["green"], "Weight": 0}]}}]
    listener = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=fwd)
    listener = listener["Listeners"][0]["ListenerArn"]
    rule = elb.create_rule(ListenerArn=listener, Priority=10, Actions=fwd,
                           Conditions=[{"Field": "path-pattern", "Values": ["/*"]}])["Rules"][0]["RuleArn"]
    td = ecs.register_task_definition(
        family="shop", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="512", memory="1024",
        containerDefinitions=[{"name": "shop", "image": repo + ":v1", "essential": True,
                               "portMappings": [{"containerPort": 8080, "protocol": "tcp"}]}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster="prod", serviceName="shop", taskDefinition=td, desiredCount=2, launchType="FARGATE",
        deploymentController={"type": "ECS"},
        deploymentConfiguration={"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5, "maximumPercent": 200,
                                 "deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        loadBalancers=[{"targetGroupArn": tg["blue"], "containerName": "shop", "containerPort": 8080,
                        "advancedConfiguration": {
                            "alternateTargetGroupArn": tg["green"], "productionListenerRule": rule,
                            "roleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers"}}])
    print(rule)


def wait_split(rule):
    for _ in range(2400):
        actions = elb.describe_rules(RuleArns=[rule])["Rules"][0]["Actions"]
        weights = [t.get("Weight", 1) for t in actions[0]["ForwardConfig"]["TargetGroups"]]
        if all(w * 100 < 100 * sum(weights) for w in weights):
            return
        time.sleep(0.25)
    sys.exit("the production rule was never split")


if __name__ == "__main__":
    if sys.argv[1] == "world":
        world(sys.argv[2])
    elif sys.argv[1] == "wait-split":
        wait_split(sys.argv[2])
