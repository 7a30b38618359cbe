"""Scheduling, cancelling and carrying out account deletion; the webhooks the host app gets;
"Download my data" (portal_ui.domain.account_deletion, data_export), on the demo."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from portal_ui import db
from portal_ui.billing.owner import Owner
from portal_ui.billing.payment_methods import add_card
from portal_ui.billing.subscriptions import change_plan
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.account_deletion import (GRACE_DAYS, cancel_deletion, delete_account, deletion_blockers,
                                               purge_due_accounts, schedule_deletion)
from portal_ui.domain.api_keys import create_key
from portal_ui.domain.audit import Actor
from portal_ui.domain.clock import as_utc, utcnow
from portal_ui.domain.data_export import export_user_data
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound
from portal_ui.domain.links import create_link
from portal_ui.domain.ownership import leave_organization, transfer_ownership
from portal_ui.domain.users import get_user, list_users, update_profile
from portal_ui.models import ApiKey, AuditEvent, Invoice, Membership, PaymentMethod, PortalSession, User, WebhookEvent
from portal_ui.webhooks.endpoints import create_endpoint

OLIVIA, BILL, VIC, BEA = "kp_demo_olivia", "kp_demo_bill", "kp_demo_vic", "kp_demo_bea"


def me(user_id: str) -> Actor:
    return Actor(type="user", id=user_id)


def scope(engine):
    return lambda: db.session_scope(engine)


def test_scheduling_sets_a_day_30_days_ahead_and_cancelling_undoes_it(demo, session):
    now = utcnow()
    due = schedule_deletion(session, actor=me(VIC), user_id=VIC, now=now)
    assert due == now + timedelta(days=GRACE_DAYS)
    assert as_utc(get_user(session, VIC).deletion_due_on) == due
    with pytest.raises(Conflict) as twice:
        schedule_deletion(session, actor=me(VIC), user_id=VIC)
    assert twice.value.code == "DELETION_ALREADY_SCHEDULED"
    cancel_deletion(session, actor=me(VIC), user_id=VIC)
    assert get_user(session, VIC).deletion_due_on is None
    with pytest.raises(Conflict) as nothing:
        cancel_deletion(session, actor=me(VIC), user_id=VIC)
    assert nothing.value.code == "NO_DELETION_SCHEDULED"
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.target_id == VIC,
                                                           AuditEvent.action.like("user.deletion%"))).all()
    assert actions == ["user.deletion_scheduled", "user.deletion_cancelled"]


def test_the_last_owner_cannot_schedule_deletion_until_ownership_moves(demo, session):
    assert [b.org_code for b in deletion_blockers(session, OLIVIA)] == [DEMO_ORG_CODE]
    with pytest.raises(Conflict) as refused:
        schedule_deletion(session, actor=me(OLIVIA), user_id=OLIVIA)
    assert refused.value.code == "LAST_OWNER" and "last owner of Acme" in refused.value.message
    assert get_user(session, OLIVIA).deletion_due_on is None
    transfer_ownership(session, actor=me(OLIVIA), org_code=DEMO_ORG_CODE, from_user_id=OLIVIA, to_user_id=BILL,
                       confirm_name="Acme")
    assert deletion_blockers(session, OLIVIA) == []
    schedule_deletion(session, actor=me(OLIVIA), user_id=OLIVIA)


def test_purge_deletes_due_accounts_only_and_leaves_a_tombstone(demo, engine, settings):
    with db.session_scope(engine) as s:
        schedule_deletion(s, actor=me(VIC), user_id=VIC, now=utcnow() - timedelta(days=GRACE_DAYS, seconds=1))
        schedule_deletion(s, actor=me(BEA), user_id=BEA)  # due in 30 days: stays
        create_key(s, actor=me(VIC), name="CLI", type="user", user_id=VIC, scopes=[])
        link = create_link(s, settings, user_id=VIC, org_code=DEMO_ORG_CODE, sub_nav="profile",
                           actor=Actor.system("test"))
    result = purge_due_accounts(scope(engine))
    assert (result.deleted, result.held) == ([VIC], [])
    with db.session_scope(engine) as s:
        vic = s.get(User, VIC)
        assert (vic.given_name, vic.family_name, vic.email, vic.deletion_due_on) == ("", "", None, None)
        assert vic.deleted_on is not None
        assert s.exec(select(Membership).where(Membership.user_id == VIC)).all() == []
        assert s.exec(select(ApiKey).where(ApiKey.user_id == VIC)).all() == []
        with pytest.raises(NotFound):
            get_user(s, VIC)
        assert VIC not in [u.id for u in list_users(s, page_size=100).items]
        with pytest.raises(InvalidInput):  # no new links for a deleted account
            create_link(s, settings, user_id=VIC, sub_nav="profile", actor=Actor.system("test"))
        assert s.get(User, BEA).deletion_due_on is not None and s.get(User, BEA).deleted_on is None
        deleted = s.exec(select(AuditEvent).where(AuditEvent.action == "user.deleted")).one()
        assert (deleted.actor_type, deleted.actor_id, deleted.before["organizations"]) == \
            ("system", "account_deletion", [DEMO_ORG_CODE])
        removed = s.exec(select(AuditEvent).where(AuditEvent.action == "member.removed",
                                                  AuditEvent.target_id == VIC)).one()
        assert removed.org_code == DEMO_ORG_CODE
        # Vic's own profile events no longer hold his name or email.
        created = s.exec(select(AuditEvent).where(AuditEvent.action == "user.created",
                                                  AuditEvent.target_id == VIC)).all()
        assert all(e.after == {} and e.before == {} for e in created)
    assert "Vic" not in link  # the link carries no name; it simply no longer redeems
    assert purge_due_accounts(scope(engine)).deleted == []  # nothing due any more


def test_purge_holds_an_account_whose_user_became_a_last_owner(demo, engine):
    with db.session_scope(engine) as s:  # Vic asks to be deleted, then becomes Acme's only owner
        schedule_deletion(s, actor=me(VIC), user_id=VIC, now=utcnow() - timedelta(days=31))
        transfer_ownership(s, actor=me(OLIVIA), org_code=DEMO_ORG_CODE, from_user_id=OLIVIA, to_user_id=VIC,
                           confirm_name="Acme")
    result = purge_due_accounts(scope(engine))
    assert (result.deleted, result.held) == ([], [VIC])
    with db.session_scope(engine) as s:
        assert s.get(User, VIC).deleted_on is None
        assert s.exec(select(Membership).where(Membership.user_id == VIC)).first() is not None


def test_deleting_ends_sessions_subscription_and_cards_but_keeps_invoices(demo, engine, settings):
    with db.session_scope(engine) as s:
        owner = Owner.user(BEA)
        add_card(s, actor=me(BEA), owner=owner, number="4242424242424242", exp_month=12, exp_year=utcnow().year + 2,
                 cvc="123")
        change_plan(s, actor=me(BEA), owner=owner, plan_key=_paid_plan(s))
        s.add(PortalSession(token_hash="a" * 64, user_id=BEA, sub_nav="profile", return_url="https://app.example",
                            created_on=utcnow(), last_seen_on=utcnow(), expires_on=utcnow() + timedelta(hours=1)))
    with db.session_scope(engine) as s:
        delete_account(s, actor=Actor(type="m2m", id="backend"), user_id=BEA)
    with db.session_scope(engine) as s:
        assert s.exec(select(PaymentMethod).where(PaymentMethod.user_id == BEA)).all() == []
        assert all(row.ended_on is not None for row in
                   s.exec(select(PortalSession).where(PortalSession.user_id == BEA)).all())
        invoices = s.exec(select(Invoice).where(Invoice.user_id == BEA)).all()
        assert invoices and invoices[0].billed_to[0] == "Bea Chen"  # kept for the seller's books
        with pytest.raises(NotFound):
            delete_account(s, actor=Actor.system("test"), user_id=BEA)


def _paid_plan(session) -> str:
    from portal_ui.models import Plan

    return session.exec(select(Plan.key).where(Plan.amount_minor > 0, Plan.active == True)  # noqa: E712
                        .order_by(Plan.sort_order)).first()


def test_the_host_app_gets_a_webhook_for_each_step(demo, env, engine):
    settings = env(PORTAL_WEBHOOK_ALLOW_PRIVATE="1")
    types = ["organization.user_removed", "organization.ownership_transferred", "user.deletion_scheduled",
             "user.deletion_cancelled", "user.deleted"]
    with db.session_scope(engine) as s:
        create_endpoint(s, settings, actor=Actor.system("test"), endpoint="http://127.0.0.1:9/hook", name="Host",
                        event_types=types)
    with db.session_scope(engine) as s:
        leave_organization(s, actor=me(VIC), org_code=DEMO_ORG_CODE, user_id=VIC)
        transfer_ownership(s, actor=me(OLIVIA), org_code=DEMO_ORG_CODE, from_user_id=OLIVIA, to_user_id=BILL,
                           confirm_name="Acme")
        schedule_deletion(s, actor=me(VIC), user_id=VIC)
        cancel_deletion(s, actor=me(VIC), user_id=VIC)
        delete_account(s, actor=Actor(type="m2m", id="backend"), user_id=VIC)
    with db.session_scope(engine) as s:
        sent = [(e.type, e.payload["data"].get("user", {}).get("id"), e.payload["source"])
                for e in s.exec(select(WebhookEvent).order_by(WebhookEvent.occurred_on)).all()
                if e.type in types]
    assert sent == [("organization.user_removed", VIC, "user"), ("organization.ownership_transferred", None, "user"),
                    ("user.deletion_scheduled", VIC, "user"), ("user.deletion_cancelled", VIC, "user"),
                    ("user.deleted", VIC, "api")]


def test_download_my_data_holds_the_users_own_data_and_no_secrets(demo, session):
    update_profile(session, actor=me(OLIVIA), user_id=OLIVIA, given_name="Liv", family_name="Owens")
    _key, secret = create_key(session, actor=me(OLIVIA), name="Laptop", type="user", user_id=OLIVIA,
                              scopes=[])
    session.commit()
    data = export_user_data(session, OLIVIA)
    text = json.dumps(data)
    assert data["profile"]["given_name"] == "Liv" and data["profile"]["email"] == "olivia@acme.example"
    assert data["memberships"] == [{"organization_code": DEMO_ORG_CODE, "organization_name": "Acme",
                                    "joined_on": data["memberships"][0]["joined_on"], "roles": ["owner"],
                                    "is_owner": True}]
    assert [k["name"] for k in data["api_keys"]] == ["Laptop"]
    assert secret not in text and "key_hash" not in text and secret[-20:] not in text
    assert {e["action"] for e in data["audit_events"]} >= {"user.updated", "api_key.created"}
    assert all(e["action"] != "portal_link.created" or e["organization_code"] for e in data["audit_events"])
    # Nobody else's activity or details.
    assert "bill@acme.example" not in text and "vic@acme.example" not in text
    assert isinstance(data["invoices"], list)


def test_the_cli_and_the_workers_housekeeping_purge_due_accounts(demo, engine, settings, capsys):
    from portal_ui.cli import main
    from portal_ui.webhooks.worker import Worker

    with db.session_scope(engine) as s:
        schedule_deletion(s, actor=me(VIC), user_id=VIC, now=utcnow() - timedelta(days=GRACE_DAYS + 1))
        schedule_deletion(s, actor=me(BILL), user_id=BILL, now=utcnow() - timedelta(days=GRACE_DAYS + 1))
        transfer_ownership(s, actor=me(OLIVIA), org_code=DEMO_ORG_CODE, from_user_id=OLIVIA, to_user_id=BILL,
                           confirm_name="Acme")  # Bill is held: Acme's last owner now
    assert main(["accounts", "purge"]) == 0
    out = capsys.readouterr().out
    assert f"1 account(s) deleted {VIC}" in out and "1 account(s) held" in out and BILL in out
    with db.session_scope(engine) as s:
        transfer_ownership(s, actor=me(BILL), org_code=DEMO_ORG_CODE, from_user_id=BILL, to_user_id=OLIVIA,
                           confirm_name="Acme")
    Worker(settings)._prune()  # the server's hourly housekeeping
    with db.session_scope(engine) as s:
        assert s.get(User, BILL).deleted_on is not None
