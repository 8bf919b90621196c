"""schemathesis (pinned in requirements.txt) against /api/v1/_openapi: every operation of the
document, as the Office (which may call almost every one), on a small demo portfolio. Each
response must conform to the document: no 5xx, a documented status code, a documented content
type, a body that matches the documented schema.

Bounded and reproducible: a fixed seed, EXAMPLES generated requests per operation, and for every
operation that addresses a record, REAL_EXAMPLES more aimed at a real record of the resource
(random ids alone would only ever meet 404s). Reads of real records run before the writes, and
deletions last. The logout operation gets a token of its own, so the run keeps its token. Each
operation but the login is also called once with a forged token: a 401, as documented."""
import collections
import os

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from sqlalchemy import select  # noqa: E402

from conftest import PASSWORD  # noqa: E402
from core.extensions import db  # noqa: E402

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "3"))
REAL_EXAMPLES = int(os.environ.get("SCHEMATHESIS_REAL_EXAMPLES", "3"))
ORDER = {"get": 0, "post": 1, "put": 1, "delete": 2}
KEPT = {"fundingsource", "plantask", "department"}


def _token(app, username="office"):
    response = app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db"})
    return response.get_json()["access_token"]


def _real_ids(app):
    """resource name -> the id of one of its records, and the id of a project."""
    from core.api import ServiceApi
    from projects.models import Project
    ids = {}
    for api in app.appbuilder.baseviews:
        model = getattr(getattr(api, "datamodel", None), "obj", None)
        if isinstance(api, ServiceApi) or model is not None and hasattr(api, "resource_name"):
            ids[api.resource_name] = db.session.scalar(select(model.id).order_by(model.id))
    ids["project_id"] = db.session.scalar(select(Project.id).order_by(Project.id))
    return ids


def _real_path(operation, ids):
    """Path parameters naming a real record, or None when the path names none."""
    params = [p.name for p in operation.path_parameters]
    if not params or "version" in params:
        return None
    resource = operation.path.split("/")[3]
    if resource in KEPT and operation.method.lower() != "get":
        return None  # kept across tests (conftest.KEPT_TABLES): its records are read only here
    values = {name: ids["project_id"] if name == "project_id" else ids.get(resource)
              for name in params}
    return values if all(v is not None for v in values.values()) else None


def test_responses_conform_to_the_openapi_document(app, runner):
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (content_type_conformance,
                                                   response_schema_conformance,
                                                   status_code_conformance)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]
    seeded = runner.invoke(args=["demo", "seed", "--projects", "6", "--no-users"])
    assert seeded.exit_code == 0, seeded.output
    token = _token(app)
    document = app.test_client().get(
        "/api/v1/_openapi", headers={"Authorization": f"Bearer {token}"}).get_json()
    schema = schemathesis.openapi.from_dict(document)
    with app.app_context():
        ids = _real_ids(app)
    operations = [result.ok() for result in schema.get_all_operations()]
    runs = [(op, _real_path(op, ids)) for op in operations if _real_path(op, ids)]
    runs.sort(key=lambda run: ORDER.get(run[0].method.lower(), 1))
    runs += [(op, None) for op in operations]
    cases, problems, statuses, probed = 0, {}, collections.Counter(), set()

    for operation, path in runs:
        examples = REAL_EXAMPLES if path else EXAMPLES
        strategy = operation.as_strategy(path_parameters=path) if path else \
            operation.as_strategy()
        label = f"{operation.method.upper()} {operation.path}"

        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def run(case):
            nonlocal cases
            cases += 1
            own = _token(app) if operation.path.endswith("/logout") else token
            try:
                response = case.call(app=app, headers={"Authorization": f"Bearer {own}"})
                statuses[response.status_code] += 1
                case.validate_response(response, checks=checks,
                                       headers={"Authorization": f"Bearer {own}"})
                if label not in probed and not operation.path.endswith("/login"):
                    probed.add(label)  # once an operation: a forged token is a 401
                    forged = {"Authorization": "Bearer not.a-token"}
                    refused = case.call(app=app, headers=forged)
                    assert refused.status_code == 401, f"forged token: {refused.status_code}"
                    case.validate_response(refused, checks=checks, headers=forged)
            except (Exception, BaseExceptionGroup) as exc:  # every operation, not the first
                problems.setdefault(label, str(exc)[:1500])

        run()
    print(f"schemathesis: {len(operations)} operations, {cases} cases, statuses "
          f"{dict(sorted(statuses.items()))}, {len(probed)} forged-token probes")
    assert len(operations) > 100 and cases > 3 * len(operations)
    assert len(probed) == len(operations) - 1
    assert problems == {}, "\n\n".join(f"{k}: {v}" for k, v in problems.items())
