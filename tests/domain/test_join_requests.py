"""Join requests: who sees an organization to join, asking once, and approval under the grant rule."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_ui.domain import domains, join_requests, mailer
from portal_ui.domain.account_deletion import delete_account
from portal_ui.domain.clock import utcnow
from portal_ui.domain.data_export import export_user_data
from portal_ui.domain.errors import Conflict, Forbidden, NotFound
from portal_ui.domain.members import remove_member
from portal_ui.domain.users import create_user
from portal_ui.models import AuditEvent, Invitation, JoinRequest
from tests.domain.members_world import M2M, make_member, make_org, make_role, member_roles, user_actor
from tests.domain.smtp_inbox import Inbox, serve


def _verified(session, org, name, mode):
    domain = domains.add_domain(session, actor=M2M, org_code=org.code, name=name)
    domains.verify_domain(session, actor=M2M, org_code=org.code, domain_id=domain.id,
                          lookup=lambda _name: [domains.record_value(domain)])
    return domains.set_enrolment(session, actor=M2M, org_code=org.code, domain_id=domain.id, mode=mode)


@pytest.fixture
def world(session):
    org = make_org(session, "Acme")
    admin_role = make_role(session, "admin", ["org:read:members", "org:write:members"])
    billing = make_role(session, "billing", ["org:read:billing", "org:write:billing"])
    member = make_role(session, "member", default=True)
    admin = make_member(session, org, "Ada", admin_role)
    _verified(session, org, "acme.example.org", "suggest")
    joiner = create_user(session, actor=M2M, given_name="Jo", family_name="Ner", email="jo@acme.example.org")
    return dict(org=org, admin=admin, joiner=joiner.id, billing=billing, member=member, admin_role=admin_role)


def test_a_user_at_a_suggest_domain_sees_the_organization_and_asks_once(session, world):
    org, joiner = world["org"], world["joiner"]
    [offer] = join_requests.suggestions_for(session, joiner)
    assert (offer.org_code, offer.org_name, offer.domain, offer.status) == (org.code, "Acme", "acme.example.org",
                                                                           None)
    request = join_requests.ask_to_join(session, actor=user_actor(joiner), user_id=joiner, org_code=org.code)
    assert join_requests.suggestions_for(session, joiner)[0].status == "pending"
    with pytest.raises(Conflict) as caught:
        join_requests.ask_to_join(session, actor=user_actor(joiner), user_id=joiner, org_code=org.code)
    assert caught.value.code == "JOIN_REQUEST_PENDING"
    [pending], total = join_requests.pending_requests(session, org.code)
    assert (pending.id, pending.name, pending.email, total) == (request.id, "Jo Ner", "jo@acme.example.org", 1)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "join_request.created")).one()
    assert (event.actor_id, event.org_code, event.after["domain"]) == (joiner, org.code, "acme.example.org")


@pytest.mark.parametrize("mode", ["manual", "automatic"])
def test_other_modes_suggest_nothing_and_refuse_asking(session, world, mode):
    domain = domains.list_domains(session, world["org"].code)[0]
    domains.set_enrolment(session, actor=M2M, org_code=world["org"].code, domain_id=domain.id, mode=mode)
    assert join_requests.suggestions_for(session, world["joiner"]) == []
    with pytest.raises(NotFound):
        join_requests.ask_to_join(session, actor=user_actor(world["joiner"]), user_id=world["joiner"],
                                  org_code=world["org"].code)


def test_members_and_other_domains_are_not_offered(session, world):
    assert join_requests.suggestions_for(session, world["admin"]) == []  # ada@example.com: no such domain
    stranger = create_user(session, actor=M2M, given_name="St", email="st@other.example.org")
    assert join_requests.suggestions_for(session, stranger.id) == []
    with pytest.raises(NotFound):
        join_requests.ask_to_join(session, actor=user_actor(stranger.id), user_id=stranger.id,
                                  org_code=world["org"].code)
    member = create_user(session, actor=M2M, given_name="In", email="in@acme.example.org")
    from portal_ui.domain.members import add_members
    add_members(session, actor=M2M, org_code=world["org"].code, users=[{"id": member.id}])
    assert join_requests.suggestions_for(session, member.id) == []
    with pytest.raises(Conflict) as caught:
        join_requests.ask_to_join(session, actor=user_actor(member.id), user_id=member.id,
                                  org_code=world["org"].code)
    assert caught.value.code == "ALREADY_MEMBER"


def test_approval_adds_the_member_with_chosen_and_default_roles(session, world):
    org, joiner, admin = world["org"], world["joiner"], world["admin"]
    request = join_requests.ask_to_join(session, actor=user_actor(joiner), user_id=joiner, org_code=org.code)
    # The grant rule: the admin holds no billing permissions, so cannot give the billing role.
    with pytest.raises(Forbidden) as caught:
        join_requests.approve_request(session, actor=user_actor(admin), org_code=org.code, request_id=request.id,
                                      role_keys=["billing"], acting_user_id=admin)
    assert caught.value.code == "ROLE_NOT_GRANTABLE"
    assert joiner not in member_roles(session, org.code)
    join_requests.approve_request(session, actor=user_actor(admin), org_code=org.code, request_id=request.id,
                                  role_keys=[], acting_user_id=admin)
    assert member_roles(session, org.code)[joiner] == {"member"}
    with pytest.raises(Conflict) as caught:
        join_requests.reject_request(session, actor=user_actor(admin), org_code=org.code, request_id=request.id,
                                     acting_user_id=admin)
    assert caught.value.code == "JOIN_REQUEST_DECIDED"
    actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.org_code == org.code)
                                              .order_by(AuditEvent.id)).all()]
    assert actions[-2:] == ["member.added", "join_request.approved"]


def test_m2m_callers_may_give_any_role(session, world):
    org, joiner = world["org"], world["joiner"]
    request = join_requests.ask_to_join(session, actor=user_actor(joiner), user_id=joiner, org_code=org.code)
    join_requests.approve_request(session, actor=M2M, org_code=org.code, request_id=request.id, role_keys=["billing"])
    assert member_roles(session, org.code)[joiner] == {"billing", "member"}


def test_deciding_needs_org_write_members(session, world):
    org, joiner = world["org"], world["joiner"]
    reader = make_role(session, "reader", ["org:read:members"])
    viewer = make_member(session, org, "Vic", reader)
    request = join_requests.ask_to_join(session, actor=user_actor(joiner), user_id=joiner, org_code=org.code)
    for decide in (lambda: join_requests.reject_request(session, actor=user_actor(viewer), org_code=org.code,
                                                         request_id=request.id, acting_user_id=viewer),
                   lambda: join_requests.approve_request(session, actor=user_actor(viewer), org_code=org.code,
                                                          request_id=request.id, role_keys=[],
                                                          acting_user_id=viewer)):
        with pytest.raises(Forbidden):
            decide()
    assert session.get(JoinRequest, request.id).status == "pending"
    # A request id of another organization is not found there.
    other = make_org(session, "Other")
    with pytest.raises(NotFound):
        join_requests.reject_request(session, actor=M2M, org_code=other.code, request_id=request.id)


def test_rejected_stays_rejected_and_approved_can_ask_again_after_leaving(session, world):
    org, joiner, admin = world["org"], world["joiner"], world["admin"]
    request = join_requests.ask_to_join(session, actor=user_actor(joiner), user_id=joiner, org_code=org.code)
    join_requests.approve_request(session, actor=M2M, org_code=org.code, request_id=request.id, role_keys=[])
    remove_member(session, actor=M2M, org_code=org.code, user_id=joiner)
    again = join_requests.ask_to_join(session, actor=user_actor(joiner), user_id=joiner, org_code=org.code)
    assert again.id == request.id and again.status == "pending"
    join_requests.reject_request(session, actor=user_actor(admin), org_code=org.code, request_id=again.id,
                                 acting_user_id=admin)
    assert join_requests.suggestions_for(session, joiner)[0].status == "rejected"
    with pytest.raises(Conflict) as caught:
        join_requests.ask_to_join(session, actor=user_actor(joiner), user_id=joiner, org_code=org.code)
    assert caught.value.code == "JOIN_REQUEST_REJECTED"


@pytest.fixture
def inbox():
    yield from serve(Inbox())


def test_the_requester_is_emailed_the_decision(session, world, env, inbox):
    box, port = inbox
    settings = env(PORTAL_SMTP_URL=f"smtp://127.0.0.1:{port}")
    org, joiner = world["org"], world["joiner"]
    request = join_requests.ask_to_join(session, actor=user_actor(joiner), user_id=joiner, org_code=org.code)
    assert not mailer.deliver_join_decision(session, settings, request_id=request.id).sent  # not decided yet
    join_requests.approve_request(session, actor=M2M, org_code=org.code, request_id=request.id,
                                  role_keys=["billing"])
    delivery = mailer.deliver_join_decision(session, settings, request_id=request.id)
    assert delivery.sent and delivery.message == "jo@acme.example.org has been emailed the decision."
    [(_sender, recipients, message)] = box.messages
    assert recipients == ["jo@acme.example.org"]
    assert message["Subject"].startswith("You have joined Acme")
    assert "you are now a member as Billing, Member" in message.get_content()


def test_a_deleted_account_leaves_no_join_request_and_is_nobody_to_offer_or_invite(session, world):
    org, joiner, admin = world["org"], world["joiner"], world["admin"]
    request = join_requests.ask_to_join(session, actor=user_actor(joiner), user_id=joiner, org_code=org.code)
    [mine] = export_user_data(session, joiner)["join_requests"]
    assert (mine["organization_name"], mine["domain"], mine["status"]) == ("Acme", "acme.example.org", "pending")
    delete_account(session, actor=user_actor(joiner), user_id=joiner)
    assert join_requests.pending_requests(session, org.code) == ([], 0)
    assert session.get(JoinRequest, request.id) is None
    created = session.exec(select(AuditEvent).where(AuditEvent.action == "join_request.created")).one()
    assert "email" not in created.after and created.after["user_id"] == joiner
    with pytest.raises(NotFound):
        join_requests.approve_request(session, actor=user_actor(admin), org_code=org.code, request_id=request.id,
                                      role_keys=[], acting_user_id=admin)
    assert joiner not in member_roles(session, org.code)
    # A tombstone that still carried an email at the domain is an unknown user all the same.
    ghost = create_user(session, actor=M2M, given_name="Gho", email="ghost@acme.example.org")
    pending = join_requests.ask_to_join(session, actor=user_actor(ghost.id), user_id=ghost.id, org_code=org.code)
    ghost.deleted_on = utcnow()
    session.add(ghost)
    session.flush()
    assert join_requests.pending_requests(session, org.code) == ([], 0)
    assert join_requests.suggestions_for(session, ghost.id) == []
    with pytest.raises(NotFound):
        join_requests.reject_request(session, actor=M2M, org_code=org.code, request_id=pending.id)
    domain = domains.list_domains(session, org.code)[0]
    domains.set_enrolment(session, actor=M2M, org_code=org.code, domain_id=domain.id, mode="automatic")
    assert session.exec(select(Invitation).where(Invitation.email == "ghost@acme.example.org")).all() == []
    assert domains.invite_if_automatic(session, user_id=ghost.id) == []
