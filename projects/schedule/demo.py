"""Demo milestones and audit findings consistent with each seeded project's status."""


def seed_schedule(project_rows, rng):
    pass
