"""Scenario-specific metrics for ``ran-gym evaluate``."""
