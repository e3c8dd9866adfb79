"""Closed-form twins of the scenarios: the papers' system models for the gains ns-3 reports."""
