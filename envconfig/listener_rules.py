"""Cross-setting rule for HTTPS listeners, in the shape of the other cross-setting rules: (setting, message).

With network.certificate_arn both listeners of every service speak HTTPS. The deploy hooks reach them at
the ALB's DNS name, which the certificate does not cover, so they need the name it does cover to send
(TLS server name, Host header) and to verify the certificate against: the service's host_name.
"""

from __future__ import annotations


def cross_field_errors(env) -> list[tuple[str, str]]:
    """(setting, message) for each blue/green service with deploy hooks and a certificate but no host_name."""
    if not env.network.certificate_arn:
        return []
    return [(f"service.{service.name}.host_name",
             "missing required setting with network.certificate_arn: the name the certificate covers, which the "
             "deploy hooks send and verify (the ALB's DNS name is not on the certificate)")
            for service in env.services
            if service.deployment.strategy == "blue_green" and service.deployment.validation_hooks
            and not service.host_name]
