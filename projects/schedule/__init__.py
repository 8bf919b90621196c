"""Milestones, schedule, supervision, acceptance and audit findings (issue 5, DESIGN §2-3).

Milestones are planned from the rules in data/milestone_rules.json when a project is approved;
the department's ProjectManager records what happened; lifecycle gates refuse construction,
acceptance and evaluation without the milestones the plan demands; Auditors raise findings.
"""
