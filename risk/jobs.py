"""`risk refresh` as a background job (the Office starts it from the escalation list)."""
from core.jobs import job, set_progress
from core.uow import transaction


@job("risk_refresh")
def risk_refresh_job(job_id, on=None):
    import datetime as dt

    from risk import rating, system
    day = dt.date.fromisoformat(on) if on else None
    set_progress(job_id, 5, "system-raised risks")
    with transaction():  # SQLite: the progress row is written on a connection of its own
        totals = system.refresh_all(day)
    set_progress(job_id, 60, "ratings")
    with transaction():
        recorded = rating.record_all(day)
    return (f"projects evaluated: {totals['projects']:,}; risks raised: {totals['raised']}, "
            f"updated: {totals['updated']}, closed: {totals['closed']}; "
            f"ratings recorded: {recorded}")
