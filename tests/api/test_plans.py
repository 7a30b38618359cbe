"""Management API: the plan catalogue (`GET|POST /api/v1/plans`)."""

import pytest
from sqlmodel import Session, select

import portal_ui.api.app  # noqa: F401  (load every route module before the clock shim patches)
from portal_ui.models import AuditEvent, Plan

PRO = {"key": "pro_monthly", "name": "Pro (monthly)", "description": "For teams", "amount_minor": 1900,
       "currency": "USD", "interval": "month", "features": ["Unlimited projects", "Email support"], "sort_order": 10}


def rows(engine, model):
    with Session(engine) as s:
        return s.exec(select(model)).all()


def error_code(response):
    return response.json()["errors"][0]["code"]


def test_create_plan_201_and_audit(client, m2m_headers, engine):
    r = client.post("/api/v1/plans", json=PRO, headers=m2m_headers("create:plans", client_id="product"))
    assert r.status_code == 201
    body = r.json()
    assert (body["code"], body["message"]) == ("PLAN_CREATED", "Plan successfully created")
    plan = body["plan"]
    assert {k: plan[k] for k in PRO} == PRO
    assert plan["price"] == "$19.00" and plan["active"] is True and plan["created_on"].endswith("+00:00")
    [event] = rows(engine, AuditEvent)
    assert (event.action, event.actor_type, event.actor_id, event.target_id) == ("plan.created", "m2m", "product",
                                                                                 "pro_monthly")


def test_list_plans_in_catalogue_order_with_paging_and_filter(client, m2m_headers):
    create = m2m_headers("create:plans")
    for body in (PRO, {**PRO, "key": "free", "name": "Free", "amount_minor": 0, "interval": "none", "sort_order": 0},
                 {**PRO, "key": "business", "name": "Business", "amount_minor": 9900, "sort_order": 30},
                 {**PRO, "key": "legacy", "name": "Legacy", "amount_minor": 500, "active": False, "sort_order": 5},
                 {**PRO, "key": "yen", "name": "Yen", "amount_minor": 1500, "currency": "JPY", "sort_order": 40}):
        assert client.post("/api/v1/plans", json=body, headers=create).status_code == 201
    read = m2m_headers("read:plans")
    body = client.get("/api/v1/plans", headers=read).json()
    assert body["code"] == "OK" and [p["key"] for p in body["plans"]] == ["free", "legacy", "pro_monthly", "business",
                                                                          "yen"]
    assert body["plans"][-1]["price"] == "¥1,500" and "next_token" not in body
    page = client.get("/api/v1/plans?page_size=2", headers=read).json()
    rest = client.get(f"/api/v1/plans?page_size=2&next_token={page['next_token']}", headers=read).json()
    assert [p["key"] for p in page["plans"] + rest["plans"]] == ["free", "legacy", "pro_monthly", "business"]
    assert [p["key"] for p in client.get("/api/v1/plans?active=false", headers=read).json()["plans"]] == ["legacy"]
    assert len(client.get("/api/v1/plans?active=true", headers=read).json()["plans"]) == 4
    assert client.get("/api/v1/plans?colour=red", headers=read).status_code == 400


@pytest.mark.parametrize("change,code", [
    ({"key": None}, "INVALID_INPUT"), ({"amount_minor": None}, "INVALID_INPUT"), ({"key": "Bad Key"}, "INVALID_PLAN_KEY"),
    ({"currency": "ZZZ"}, "INVALID_CURRENCY"), ({"interval": "week"}, "INVALID_INTERVAL"),
    ({"interval": "none"}, "INVALID_INTERVAL"), ({"amount_minor": -5}, "INVALID_INPUT"),
    ({"amount_minor": "19.00"}, "INVALID_INPUT"), ({"amount_minor": 19.5}, "INVALID_INPUT"),
    ({"features": "SSO"}, "INVALID_INPUT"), ({"features": [""]}, "INVALID_INPUT"), ({"price": 19}, "INVALID_INPUT"),
    ({"active": "yes"}, "INVALID_INPUT"), ({"name": ""}, "NAME_REQUIRED"),
])
def test_create_plan_bad_input(client, m2m_headers, engine, change, code):
    body = {k: v for k, v in {**PRO, **change}.items() if v is not None}
    r = client.post("/api/v1/plans", json=body, headers=m2m_headers("create:plans"))
    assert r.status_code == 400 and error_code(r) == code
    assert rows(engine, Plan) == [] and rows(engine, AuditEvent) == []


def test_duplicate_plan_key_is_409(client, m2m_headers):
    headers = m2m_headers("create:plans")
    client.post("/api/v1/plans", json=PRO, headers=headers)
    r = client.post("/api/v1/plans", json={**PRO, "name": "Again"}, headers=headers)
    assert r.status_code == 409 and error_code(r) == "PLAN_ALREADY_EXISTS"


@pytest.mark.parametrize("method,scope", [("post", "create:plans"), ("get", "read:plans")])
def test_routes_need_the_scope(client, m2m_headers, user_headers, method, scope):
    kwargs = {"json": {}} if method == "post" else {}
    call = getattr(client, method)
    assert call("/api/v1/plans", **kwargs).status_code == 403
    assert call("/api/v1/plans", headers=m2m_headers("read:users"), **kwargs).status_code == 403
    assert call("/api/v1/plans", headers=user_headers("kp_x"), **kwargs).status_code == 403
    assert call("/api/v1/plans", headers=m2m_headers(scope), **kwargs).status_code != 403
