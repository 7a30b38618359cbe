"""The audit log over HTTP: `GET /api/v1/organizations/{org_code}/audit_events` (M2M, filtered, paged)
and the portal's CSV export `GET /org/audit-log/export.csv` (session cookie, org:read:audit_log)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert
from sqlmodel import select

from portal_ui import db
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.portal_settings import update_environment_settings
from portal_ui.domain.audit import Actor
from portal_ui.models import AuditEvent
from tests.api.test_invoice_downloads import session_cookie

PATH = f"/api/v1/organizations/{DEMO_ORG_CODE}/audit_events"
EXPORT = "/org/audit-log/export.csv"
SCOPE = "read:audit_events"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
OLIVIA, VIC, BILL = "kp_demo_olivia", "kp_demo_vic", "kp_demo_bill"


def row(n: int, **fields) -> dict:
    base = {"occurred_on": T0 + timedelta(minutes=n), "actor_type": "user", "actor_id": OLIVIA,
            "org_code": DEMO_ORG_CODE, "action": "member.added", "target_type": "user", "target_id": f"kp_{n}",
            "before": {}, "after": {}, "client_ip": "198.51.100.4", "user_agent": "Mozilla/5.0 Firefox/128.0"}
    return {**base, **fields}


@pytest.fixture
def events(demo, engine):
    """Acme's log: 30 member additions by Olivia, a removal by an M2M client, an API key with secret
    fields (as an older writer might have left them), a formula in a value, and Other Co's event."""
    rows = [row(i) for i in range(30)]
    rows += [row(40, action="member.removed", actor_type="m2m", actor_id="cli_provisioner"),
             row(41, action="api_key.created", after={"name": "CI", "secret": "TOPSECRET-A",
                                                      "config": {"token": "TOPSECRET-B"}, "key_suffix": "x9"}),
             row(42, action="organization.updated", before={"name": "Acme"}, after={"name": "=1+2"}),
             row(43, org_code="org_other", action="member.added")]
    with db.session_scope(engine) as s:
        s.execute(insert(AuditEvent.__table__), rows)
    return rows


def get(client, m2m_headers, params: dict | None = None, scope: str = SCOPE, path: str = PATH):
    return client.get(path, params=params or {}, headers=m2m_headers(scope))


# ---- Management API -------------------------------------------------------------------------------

def test_lists_newest_first_with_names_and_changes(events, client, m2m_headers):
    resp = get(client, m2m_headers, {"date_time_from": "2026-03-01", "date_time_to": "2026-03-01", "page_size": 3})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["code"], body["message"]) == ("OK", "Success")
    first = body["audit_events"][0]
    assert first["action"] == "organization.updated" and first["changes"] == "name: Acme → =1+2"
    assert (first["actor_type"], first["actor_id"], first["actor_name"], first["actor_email"]) == (
        "user", OLIVIA, "Olivia Owens", "olivia@acme.example")
    assert first["client_ip"] == "198.51.100.4" and first["occurred_on"] == "2026-03-01T09:42:00+00:00"
    assert body["next_token"]


def test_filters_and_paging(events, client, m2m_headers):
    m2m = get(client, m2m_headers, {"actor": "m2m", "date_time_to": "2026-03-01"}).json()["audit_events"]
    assert [e["actor_id"] for e in m2m] == ["cli_provisioner"]
    seen, token = [], None
    while True:
        params = {"action": "member.added", "actor": OLIVIA, "date_time_to": "2026-03-01T09:29:00Z",
                  "page_size": 7, **({"next_token": token} if token else {})}
        body = get(client, m2m_headers, params).json()
        seen += [e["target_id"] for e in body["audit_events"]]
        token = body.get("next_token")
        if not token:
            break
    assert seen == [f"kp_{i}" for i in range(29, -1, -1)]  # other organizations' events never show
    assert get(client, m2m_headers, {"action": "member.*", "date_time_from": "2026-03-01T09:40:00Z",
                                        "date_time_to": "2026-03-01"}).json()[
        "audit_events"][0]["action"] == "member.removed"


def test_secrets_never_appear(events, client, m2m_headers):
    resp = get(client, m2m_headers, {"action": "api_key.created"})
    assert "TOPSECRET" not in resp.text
    assert resp.json()["audit_events"][0]["after"] == {"name": "CI", "config": {}, "key_suffix": "x9"}


@pytest.mark.parametrize("params, field", [
    ({"actor": "a b"}, "actor"), ({"action": "DROP TABLE"}, "action"), ({"date_time_from": "soon"}, "date_time_from"),
    ({"date_time_from": "2026-03-02", "date_time_to": "2026-03-01"}, "date_time_to"),
    ({"next_token": "bogus"}, "next_token"), ({"page_size": "0"}, "page_size"), ({"colour": "red"}, "colour"),
])
def test_bad_filters_are_a_400_naming_the_parameter(events, client, m2m_headers, params, field):
    resp = get(client, m2m_headers, params)
    assert resp.status_code == 400, resp.text
    error = resp.json()["errors"][0]
    assert error["message"].startswith(field) and error["code"]


def test_a_token_from_other_filters_is_refused(events, client, m2m_headers):
    token = get(client, m2m_headers, {"page_size": 2}).json()["next_token"]
    resp = get(client, m2m_headers, {"page_size": 2, "actor": "user", "next_token": token})
    assert resp.status_code == 400 and resp.json()["errors"][0]["code"] == "INVALID_NEXT_TOKEN"


def test_scope_token_and_organization(events, client, m2m_headers, user_headers):
    assert get(client, m2m_headers, scope="read:organizations").status_code == 403
    assert client.get(PATH, headers=user_headers(OLIVIA, DEMO_ORG_CODE)).status_code == 403
    assert client.get(PATH).status_code == 403
    resp = get(client, m2m_headers, path="/api/v1/organizations/org_nope/audit_events")
    assert resp.status_code == 404 and resp.json()["errors"][0]["code"] == "ORGANIZATION_NOT_FOUND"


def test_openapi_documents_the_route(client):
    doc = client.get("/api/openapi.json").json()
    op = doc["paths"][PATH.replace(DEMO_ORG_CODE, "{org_code}")]["get"]
    assert op["x-scope"] == SCOPE
    assert {p["name"] for p in op["parameters"]} >= {"actor", "action", "date_time_from", "date_time_to",
                                                    "page_size", "next_token"}
    assert "audit_event" in doc["components"]["schemas"]


# ---- CSV export -----------------------------------------------------------------------------------

def read_csv(resp) -> list[dict]:
    return list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))


def test_the_owner_exports_the_filtered_view(events, client, user_headers, engine):
    cookie = session_cookie(client, user_headers, OLIVIA, DEMO_ORG_CODE)
    resp = client.get(EXPORT, params={"action": "member.added", "date_time_from": "2026-03-01T09:20:00Z"},
                      headers=cookie)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "text/csv; charset=utf-8"
    assert resp.headers["content-disposition"].startswith('attachment; filename="audit-log-org_demo_acme-')
    assert resp.headers["cache-control"] == "no-store"
    rows = read_csv(resp)
    assert [r["target_id"] for r in rows] == [f"kp_{i}" for i in range(29, 19, -1)]
    assert rows[0]["actor_name"] == "Olivia Owens" and rows[0]["client_ip"] == "198.51.100.4"
    with db.session_scope(engine) as s:  # the export is in the log itself, with its filters
        exported = s.exec(select(AuditEvent).where(AuditEvent.action == "audit_log.exported")).one()
        assert (exported.actor_id, exported.org_code) == (OLIVIA, DEMO_ORG_CODE)
        assert exported.after == {"filters": {"action": "member.added", "date_time_from": "2026-03-01T09:20:00Z"}}


def test_the_export_escapes_formulas_and_leaves_out_secrets(events, client, user_headers):
    cookie = session_cookie(client, user_headers, OLIVIA, DEMO_ORG_CODE)
    resp = client.get(EXPORT, params={"date_time_to": "2026-03-01"}, headers=cookie)
    assert "TOPSECRET" not in resp.text
    by_action = {r["action"]: r for r in read_csv(resp)}
    assert by_action["organization.updated"]["changes"] == "name: Acme → =1+2"
    assert by_action["organization.updated"]["after"] == '{"name": "=1+2"}'
    assert by_action["api_key.created"]["after"] == '{"config": {}, "key_suffix": "x9", "name": "CI"}'
    assert "org_other" not in resp.text and len(by_action) == 4


def test_formula_cells_are_neutralised_in_the_file(events, client, user_headers, engine):
    with db.session_scope(engine) as s:
        s.execute(insert(AuditEvent.__table__), [row(50, actor_type="system", actor_id="=cmd|'/C calc'!A0",
                                                     target_id="+44", user_agent="@agent", client_ip="-1")])
    cookie = session_cookie(client, user_headers, OLIVIA, DEMO_ORG_CODE)
    rows = read_csv(client.get(EXPORT, params={"actor": "system", "date_time_to": "2026-03-01"}, headers=cookie))
    assert (rows[0]["actor_id"], rows[0]["actor_name"], rows[0]["target_id"], rows[0]["user_agent"],
            rows[0]["client_ip"]) == ("'=cmd|'/C calc'!A0", "'=cmd|'/C calc'!A0", "'+44", "'@agent", "'-1")


@pytest.mark.parametrize("user", [VIC, BILL])
def test_members_without_the_permission_are_refused(events, client, user_headers, user):
    resp = client.get(EXPORT, headers=session_cookie(client, user_headers, user, DEMO_ORG_CODE))
    assert resp.status_code == 403
    assert "Olivia" not in resp.text and "text/html" in resp.headers["content-type"]


def test_no_session_and_the_function_off_are_refused(events, client, user_headers, settings, engine):
    assert client.get(EXPORT).status_code == 403
    assert client.get(EXPORT, headers={"cookie": "portal_session=made-up"}).status_code == 403
    cookie = session_cookie(client, user_headers, OLIVIA, DEMO_ORG_CODE)
    with db.session_scope(engine) as s:
        update_environment_settings(s, settings, {"org_functions": {"audit_log": False}}, Actor.system("test"))
    assert client.get(EXPORT, headers=cookie).status_code == 403


@pytest.mark.parametrize("query", ["action=Bad!", "actor=a%20b", "date_time_from=nope", "colour=red",
                                   "actor=user&actor=m2m"])
def test_bad_export_filters_are_a_400(events, client, user_headers, query):
    cookie = session_cookie(client, user_headers, OLIVIA, DEMO_ORG_CODE)
    resp = client.get(f"{EXPORT}?{query}", headers=cookie)
    assert resp.status_code == 400 and "text/html" in resp.headers["content-type"]
