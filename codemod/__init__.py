"""consolidate-ci: fold a workflow_run-triggered post workflow into the CI workflow."""

__version__ = "0.1.0"
