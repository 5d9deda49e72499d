"""The pull-request policy gate: checkov on plans and synthesized JSON, plan tests, permission broadening, reports."""
