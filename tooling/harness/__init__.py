"""The plan harness: synthesis in one process, offline terraform init/plan/show, the plan-JSON reader."""
