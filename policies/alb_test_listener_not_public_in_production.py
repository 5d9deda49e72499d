"""CKV_DLP_36 - In production, the test listener of a CodeDeploy blue/green service is not open to the internet.

Why: CodeDeploy routes the test listener to the new task set before production traffic reaches it, so
the test listener serves a release nobody has validated yet. Ingress from 0.0.0.0/0 or ::/0 on its port
lets anyone reach that release (and scan it). Only the deploy hooks and named testers should.

Which ingress is "on the test listener": in plan JSON, a rule of the same plan whose port range covers the
port of an aws_lb_listener that an aws_codedeploy_deployment_group names in its test_traffic_route (read
from checkov's resource graph; a listener is matched by its address or its ARN). Checkov gives checks no
graph on synthesized JSON, so there (and in plan JSON as well) a rule described as a "test listener" rule
(how modules/ecs/load_balancer.py describes them) counts too.
"""

import re

from dlp_base import PASSED, UNKNOWN, ProductionResourceCheck, as_list, first, is_unresolved

OPEN = {"0.0.0.0/0", "::/0"}
TEST_LISTENER_DESCRIPTION = "test listener"
_INDEX = r"(\[[^\]]*\])?"
_LISTENER_REFERENCE = re.compile(rf"^((module\.[\w-]+{_INDEX}\.)*aws_lb_listener\.[\w-]+{_INDEX})(\.arn|\.id)?$")


def _blocks(value, *path):
    """Every value at `path` through nested blocks, which the graph holds as dicts or lists of dicts."""
    values = [value]
    for key in path:
        values = [item.get(key) for value in values for item in as_list(value) if isinstance(item, dict)]
    return [item for value in values for item in as_list(value)]


class AlbTestListenerNotPublicInProduction(ProductionResourceCheck):
    """Production ingress rules (one resource per rule, or a security group's inline ingress blocks) from
    0.0.0.0/0 or ::/0 must not cover a test listener's port."""

    ID = "CKV_DLP_36"
    NAME = "Ensure production blue/green test listeners are not reachable from 0.0.0.0/0 or ::/0"
    RESOURCES = ("aws_vpc_security_group_ingress_rule", "aws_security_group")

    def evaluate_production(self, conf):
        rules = (
            [conf]
            if self.entity_type == "aws_vpc_security_group_ingress_rule"
            else [rule for rule in as_list(conf.get("ingress")) if isinstance(rule, dict)]
        )
        open_rules = []
        for rule in rules:
            sources = (
                [first(rule.get(key)) for key in ("cidr_ipv4", "cidr_ipv6")]
                + as_list(rule.get("cidr_blocks"))
                + as_list(rule.get("ipv6_cidr_blocks"))
            )
            if any(is_unresolved(source) for source in sources):
                return UNKNOWN
            if OPEN & set(sources):
                open_rules.append(rule)
        if not open_rules:
            return PASSED
        ports = self._test_listener_ports(conf)
        for rule in open_rules:
            description = first(rule.get("description"))
            if isinstance(description, str) and description.lower().startswith(TEST_LISTENER_DESCRIPTION):
                return self.fail(f"test listener ingress open to the internet: {description!r}")
            covered = self._covered(rule, ports)
            if covered is None:
                return UNKNOWN
            if covered:
                return self.fail(f"ingress from the internet covers test listener port(s) {sorted(covered)}")
        return PASSED

    @staticmethod
    def _covered(rule, ports):
        """The test listener ports the rule's port range covers; None when its ports are unresolved."""
        protocol = str(first(rule.get("ip_protocol", rule.get("protocol"))))
        if protocol in ("-1", "all"):
            return set(ports)
        low, high = first(rule.get("from_port")), first(rule.get("to_port"))
        if is_unresolved(low) or is_unresolved(high):
            return None
        try:
            low, high = int(low), int(high)
        except (TypeError, ValueError):
            return None
        return {port for port in ports if low <= port <= high}

    def _test_listener_ports(self, conf):
        """Ports of the listeners that deployment groups in the same plan use as their test traffic route."""
        files = as_list(conf.get("__file__"))
        if self.graph is None or not files:
            return set()
        nodes = [
            attributes
            for _, attributes in self.graph.nodes()
            if isinstance(attributes, dict)
            and attributes.get("file_path_") == files[0]
            and attributes.get("block_type_") == "resource"
        ]
        named = set()
        for group in (n for n in nodes if n.get("resource_type") == "aws_codedeploy_deployment_group"):
            route = _blocks(group, "load_balancer_info", "target_group_pair_info", "test_traffic_route")
            for value in _blocks(route, "listener_arns") + _blocks(route, "references_"):
                match = _LISTENER_REFERENCE.match(value) if isinstance(value, str) else None
                named.add(match.group(1) if match else value)
        return {
            int(listener["port"])
            for listener in nodes
            if listener.get("resource_type") == "aws_lb_listener"
            and str(listener.get("port", "")).isdigit()
            and (listener.get("__address__") in named or listener.get("arn") in named)
        }


check = AlbTestListenerNotPublicInProduction()
