"""The one owner of the transaction (Superset's `@transaction`): views, the API and the CLI
run their service calls inside `transaction()`, which commits when the block ends and rolls
back when it raises; they never commit or roll back themselves.

Blocks nest: an inner `transaction()` joins the outer one, so a service composed of others
commits once.
"""
import contextlib
import functools

from core.extensions import db

_OPEN = "planguard_transaction"


@contextlib.contextmanager
def transaction():
    session = db.session
    if session.info.get(_OPEN):
        yield session
        return
    session.info[_OPEN] = True
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_OPEN, None)


def transactional(fn):
    """Decorator form of `transaction()`."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        with transaction():
            return fn(*args, **kwargs)
    return run


def rollback() -> None:
    """Drop what the session holds (e.g. after a dry run that must leave nothing)."""
    db.session.rollback()

