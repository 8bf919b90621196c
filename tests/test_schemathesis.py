"""schemathesis against /api/v1/_openapi (pinned in requirements.txt): a bounded number of
generated requests per operation, as the Office (which may call every operation); no 5xx and
nothing raised. Schema conformance of the responses is not checked yet (issue 11: the document
still disagrees with responses in several operations, e.g. `ids` and `add_columns` types)."""
import os

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from conftest import PASSWORD  # noqa: E402

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "4"))


@pytest.fixture(scope="module")
def office_token(app):
    client = app.test_client()
    response = client.post("/api/v1/security/login", json={
        "username": "office", "password": PASSWORD, "provider": "db"})
    return response.get_json()["access_token"]


def _spec(app, token):
    client = app.test_client()
    spec = client.get("/api/v1/_openapi", headers={"Authorization": f"Bearer {token}"}).get_json()
    return spec


def test_generated_requests_never_get_a_server_error(app, office_token):
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_dict(_spec(app, office_token))
    cases, problems = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy()

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            nonlocal cases
            cases += 1
            try:
                case.call_and_validate(app=app, checks=[not_a_server_error],
                                       headers={"Authorization": f"Bearer {office_token}"})
            except Exception as exc:  # report every operation, not only the first
                problems.append(f"{operation.method.upper()} {operation.path}: "
                                f"{type(exc).__name__}: {str(exc)[:300]}")
                raise

        from hypothesis import given
        try:
            given(strategy)(run)()
        except Exception:
            pass
    print(f"schemathesis: {cases} cases over the API's operations")
    assert cases > 100
    assert problems == [], "\n".join(dict.fromkeys(problems))
