"""`risk refresh` as a background job (the Office starts it from the escalation list)."""
from core.extensions import db
from core.jobs import job, set_progress


@job("risk_refresh")
def risk_refresh_job(job_id, on=None):
    import datetime as dt

    from risk import rating, system
    day = dt.date.fromisoformat(on) if on else None
    set_progress(job_id, 5, "system-raised risks")
    totals = system.refresh_all(day)
    db.session.commit()  # SQLite: the progress row is written on a connection of its own
    set_progress(job_id, 60, "ratings")
    recorded = rating.record_all(day)
    db.session.commit()
    return (f"projects evaluated: {totals['projects']:,}; risks raised: {totals['raised']}, "
            f"updated: {totals['updated']}, closed: {totals['closed']}; "
            f"ratings recorded: {recorded}")
