"""Compliance reports, plan coverage, dashboards, the department scorecard and public
disclosure (issue 7)."""
