"""Project checkov policies (run with `checkov --external-checks-dir policies`).

Checkov needs this file to load the Python checks in this folder. Nothing in the app imports from
here: data the policies share with the app lives in `reference/`. Each policy's passing and failing
fixtures live in tests/policies/cases/ under the policy's file name (the policy tests require one).
"""
