"""Project checkov policies (run with `checkov --external-checks-dir policies`).

Checkov needs this file to load the Python checks in this folder. Keep it free of imports: the app
imports `policies.wildcard_resource_actions` and must not pull in checkov.
"""
