"""CKV_DLP_36 - In production, the test listener of a CodeDeploy blue/green service is not open to the internet.

Two test listeners: port 8443, which a deployment group names by ARN (a plan with known values), and port
9443, which another names by reference (a first plan: the ARN is unknown until apply). Plan-only cases
depend on those listeners, which checkov's graph shows only in plan JSON; the cases on both frameworks are
recognised by their "test listener" description.
"""

from tests.policies.builders import ACCOUNT, FAILED, FRAMEWORKS, PASSED, PLAN, PROD, Case, Resource, group, variant

CHECK_ID = "CKV_DLP_36"
LISTENER_ARN = f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:listener/app/tl/50dc6c495c0c9188/f2f7dc8efc522ab2"
PRODUCTION_LISTENER = f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:listener/app/tl/50dc6c495c0c9188/1"
DEV = {"tier": "dev"}


def route(test_listener: str) -> list:
    return [
        {
            "target_group_pair_info": [
                {
                    "target_group": [{"name": "tl-blue"}, {"name": "tl-green"}],
                    "prod_traffic_route": [{"listener_arns": [PRODUCTION_LISTENER]}],
                    "test_traffic_route": [{"listener_arns": [test_listener]}],
                }
            ]
        }
    ]


def listener(name: str, port: int, **values) -> Resource:
    return Resource(
        name, "aws_lb_listener", {"port": port, "protocol": "HTTPS", "tags": PROD, "tags_all": PROD, **values}
    )


def by_reference_group() -> Resource:
    """A group whose test route is unknown until apply: the plan's configuration names the listener."""
    reference = "aws_lb_listener.tl_listener_by_reference"
    resource = group("tl_group_by_reference", load_balancer_info=route(f"{reference}.arn"))
    return Resource(
        resource.name,
        resource.type,
        resource.values,
        synth_values=variant(resource.values, load_balancer_info=route(f"${{{reference}.arn}}")),
        expressions={
            "load_balancer_info": [
                {
                    "target_group_pair_info": [
                        {"test_traffic_route": [{"listener_arns": {"references": [f"{reference}.arn", reference]}}]}
                    ]
                }
            ]
        },
    )


def rule(name: str, port: int | tuple[int, int], tags: dict = PROD, frameworks=FRAMEWORKS, **source) -> Resource:
    low, high = port if isinstance(port, tuple) else (port, port)
    values = {
        "security_group_id": "sg-0alb",
        "ip_protocol": "tcp",
        "from_port": low,
        "to_port": high,
        "description": f"listener {low}",
        "tags": tags,
        "tags_all": tags,
        **source,
    }
    return Resource(name, "aws_vpc_security_group_ingress_rule", values, frameworks=frameworks)


def inline(name: str, **ingress) -> Resource:
    block = {
        "from_port": 8443,
        "to_port": 8443,
        "protocol": "tcp",
        "cidr_blocks": [],
        "ipv6_cidr_blocks": [],
        "description": "listener 8443",
        **ingress,
    }
    return Resource(
        name,
        "aws_security_group",
        {"name": name, "vpc_id": "vpc-1", "ingress": [block], "egress": [], "tags": PROD, "tags_all": PROD},
        frameworks=(PLAN,),
    )


WORLD = {"cidr_ipv4": "0.0.0.0/0"}
CASES = [
    Case(rule("tl_open_on_test_port", 8443, frameworks=(PLAN,), **WORLD), FAILED),
    Case(rule("tl_open_range_over_test_port", (8000, 8999), frameworks=(PLAN,), **WORLD), FAILED),
    Case(rule("tl_open_ipv6_on_referenced_listener", 9443, frameworks=(PLAN,), cidr_ipv6="::/0"), FAILED),
    Case(rule("tl_open_all_ports", 0, frameworks=(PLAN,), ip_protocol="-1", **WORLD), FAILED),
    Case(inline("tl_security_group_open_inline", cidr_blocks=["0.0.0.0/0"]), FAILED),
    Case(rule("tl_described_test_listener_open", 8080, description="test listener 8080", **WORLD), FAILED),
    Case(rule("tl_production_port_open", 443, **WORLD), PASSED),
    Case(rule("tl_open_range_below_test_ports", (80, 443), frameworks=(PLAN,), **WORLD), PASSED),
    Case(
        rule(
            "tl_test_port_from_hooks", 8443, description="test listener 8443", referenced_security_group_id="sg-0hooks"
        ),
        PASSED,
    ),
    Case(rule("tl_test_port_from_testers", 8443, description="test listener 8443", cidr_ipv4="203.0.113.0/24"), PASSED),
    Case(rule("tl_dev_test_listener_open", 8443, tags=DEV, description="test listener 8443", **WORLD), PASSED),
    Case(inline("tl_security_group_testers_inline", cidr_blocks=["203.0.113.0/24"]), PASSED),
]
SUPPORTING_RESOURCES = [
    listener("tl_listener_by_arn", 8443, arn=LISTENER_ARN),
    group("tl_group_by_arn", load_balancer_info=route(LISTENER_ARN)),
    listener("tl_listener_by_reference", 9443),
    by_reference_group(),
]
