"""The rehearsal acts as the rehearsed service's own roles, even where the environment has several services
(dev has a container service and a function service, each with its pipeline and build roles)."""

from __future__ import annotations

from envconfig.loader import load_environments
from envconfig.naming import EnvironmentNames
from tooling.rehearsal.run import acting_roles, rehearsed_service


def test_each_acting_role_is_the_rehearsed_services_own_where_several_services_have_one():
    catalog = load_environments(None)
    dev = catalog.by_name["dev"]
    assert len([s for s in dev.services]) > 1, "dev should keep more than one service for this test to mean much"
    service = rehearsed_service(dev)
    assert service.kind == "container"
    names = EnvironmentNames(dev).service(service)
    roles = acting_roles(catalog, ("dev-delivery", "dev-service"), dev, service)
    assert roles["pipeline"] == names.role("pipeline")
    assert roles["build"] == names.role("codebuild")
    assert all(name.startswith(f"{names.base}-") for name in roles.values()), roles
