"""API keys: format, create/rotate/revoke/verify, ownership, audit; the scope catalogue."""

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from portal_ui.domain import api_keys as ak
from portal_ui.domain import clock
from portal_ui.domain.audit import Actor
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound
from portal_ui.domain.organizations import create_organization
from portal_ui.domain.users import create_user
from portal_ui.models import ApiKey, ApiScope, AuditEvent

ACTOR = Actor(type="user", id="kp_admin")


@pytest.fixture
def world(session):
    for key in ("read:reports", "write:reports"):
        ak.create_api_scope(session, actor=ACTOR, key=key, description=f"{key} access")
    org_a = create_organization(session, actor=ACTOR, name="Acme")
    org_b = create_organization(session, actor=ACTOR, name="Beta")
    alice = create_user(session, actor=ACTOR, given_name="Alice", email="alice@example.com")
    bob = create_user(session, actor=ACTOR, given_name="Bob", email="bob@example.com")
    session.commit()
    return org_a, org_b, alice, bob


def org_key(session, org, **kwargs):
    kwargs = {"name": "CI key", "scopes": ["read:reports"], **kwargs}
    key, secret = ak.create_key(session, actor=ACTOR, type="organization", org_code=org.code, **kwargs)
    session.commit()
    return key, secret


def events(session, action=None):
    stmt = select(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return session.exec(stmt).all()


# --- format ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("key_type,prefix", [("organization", "pk_org_"), ("user", "pk_user_")])
def test_format_round_trip(key_type, prefix):
    parsed = ak.generate_key(key_type)
    assert parsed.value.startswith(prefix) and len(parsed.value) == len(prefix) + 46
    assert ak.parse_key(parsed.value) == parsed
    assert ak.parse_key(f"  {parsed.value}\n") == parsed
    assert ak.KEY_PATTERN.findall(f"token={parsed.value};") == [parsed.value]
    assert ak.looks_like_key(parsed.value)


def test_bodies_are_random_and_base62():
    values = {ak.generate_key("user").body for _ in range(200)}
    assert len(values) == 200 and all(set(v) <= set(ak.BASE62) for v in values)


def test_checksum_catches_any_one_character_change():
    value = ak.generate_key("organization").value
    start = len("pk_org_")
    for i in range(start, len(value)):
        for replacement in ("0", "z", "A"):
            if value[i] == replacement:
                continue
            changed = value[:i] + replacement + value[i + 1:]
            with pytest.raises(InvalidInput):
                ak.parse_key(changed)


def test_checksum_covers_the_prefix():
    parsed = ak.generate_key("organization")
    with pytest.raises(InvalidInput):
        ak.parse_key("pk_user_" + parsed.body + parsed.checksum)


@pytest.mark.parametrize("value", [
    None, 42, "", "pk_org_", "pk_org_" + "a" * 45, "pk_org_" + "a" * 47, "sk_org_" + "a" * 46,
    "pk_team_" + "a" * 46, "pk_org_" + "a" * 45 + "!", "pk_org_" + "é" * 46, "x" * 10_000,
])
def test_malformed_keys_are_refused(value):
    with pytest.raises(InvalidInput) as exc:
        ak.parse_key(value)
    assert exc.value.code == "INVALID_API_KEY"
    assert not ak.looks_like_key(value)


def test_parse_key_never_touches_the_database(monkeypatch):
    def boom(*_a, **_k):
        raise AssertionError("database used")

    monkeypatch.setattr(Session, "exec", boom)
    with pytest.raises(InvalidInput):
        ak.verify_key(Session(), "pk_org_nope")


# --- create / list ------------------------------------------------------------------------------

def test_create_org_key_stores_only_a_hash(session, world):
    org_a, *_ = world
    key, secret = org_key(session, org_a, name="  CI key  ", scopes=["read:reports", "read:reports", "write:reports"])
    row = session.get(ApiKey, key.id)
    assert key.id.startswith("api_key_") and row.name == "CI key" and row.type == "organization"
    assert (row.org_code, row.user_id, row.status) == (org_a.code, None, "active")
    assert row.scopes == ["read:reports", "write:reports"]
    assert row.key_hash != secret and secret not in json.dumps(row.model_dump(mode="json"))
    assert secret.startswith(row.key_prefix) and secret.endswith(row.key_suffix)
    assert row.created_by == ACTOR.id and row.verification_count == 0 and row.last_verified_on is None


def test_create_user_key(session, world):
    *_, alice, _ = world
    key, secret = ak.create_key(session, actor=ACTOR, type="user", user_id=alice.id, name="Laptop",
                                scopes=[], created_by="Alice")
    assert secret.startswith("pk_user_") and key.user_id == alice.id and key.org_code is None
    assert key.created_by == "Alice"


@pytest.mark.parametrize("kwargs,error,code", [
    ({"type": "environment"}, InvalidInput, "INVALID_API_KEY_TYPE"),
    ({"name": ""}, InvalidInput, "NAME_REQUIRED"),
    ({"name": "   "}, InvalidInput, "NAME_REQUIRED"),
    ({"name": "x" * 256}, InvalidInput, "NAME_TOO_LONG"),
    ({"name": "bad\x00name"}, InvalidInput, None),
    ({"scopes": ["read:secrets"]}, InvalidInput, "SCOPE_NOT_FOUND"),
    ({"scopes": "read:reports"}, InvalidInput, None),
    ({"expires_on": "tomorrow"}, InvalidInput, None),
    ({"expires_on": "PAST"}, InvalidInput, "EXPIRY_IN_PAST"),
    ({"org_code": "org_ghost"}, NotFound, "ORGANIZATION_NOT_FOUND"),
    ({"user_id": "USER"}, InvalidInput, None),
    ({"org_code": None}, InvalidInput, None),
])
def test_create_key_refuses_bad_values(session, world, kwargs, error, code):
    org_a, _, alice, _ = world
    args = {"type": "organization", "org_code": org_a.code, "name": "k", "scopes": ["read:reports"], **kwargs}
    if args.get("expires_on") == "PAST":
        args["expires_on"] = clock.utcnow() - timedelta(seconds=1)
    if args.get("user_id") == "USER":
        args["user_id"] = alice.id
    with pytest.raises(error) as exc:
        ak.create_key(session, actor=ACTOR, **args)
    if code:
        assert exc.value.code == code
    assert session.exec(select(ApiKey)).all() == [] and events(session, "api_key.created") == []


def test_user_key_for_unknown_user(session, world):
    with pytest.raises(NotFound):
        ak.create_key(session, actor=ACTOR, type="user", user_id="kp_ghost", name="k")


def test_list_keys_is_per_owner(session, world):
    org_a, org_b, alice, bob = world
    a1, _ = org_key(session, org_a, name="one")
    a2, _ = org_key(session, org_a, name="two")
    org_key(session, org_b)
    u, _ = ak.create_key(session, actor=ACTOR, type="user", user_id=alice.id, name="mine")
    session.commit()
    assert {k.id for k in ak.list_keys(session, org_code=org_a.code)} == {a1.id, a2.id}
    assert [k.id for k in ak.list_keys(session, user_id=alice.id)] == [u.id]
    assert ak.list_keys(session, user_id=bob.id) == []
    ak.revoke_key(session, a1.id, owner=ak.KeyOwner.organization(org_a.code), actor=ACTOR)
    assert [k.id for k in ak.list_keys(session, org_code=org_a.code, status="active")] == [a2.id]
    with pytest.raises(InvalidInput):
        ak.list_keys(session)
    with pytest.raises(InvalidInput):
        ak.list_keys(session, org_code=org_a.code, user_id=alice.id)


# --- verify / rotate / revoke -------------------------------------------------------------------

def test_verify_counts_each_success(session, world):
    org_a, *_ = world
    key, secret = org_key(session, org_a)
    for expected in (1, 2, 3):
        result = ak.verify_key(session, secret)
        session.commit()
        assert result.is_valid and result.key.id == key.id and result.key.verification_count == expected
    row = session.get(ApiKey, key.id)
    assert row.verification_count == 3 and row.last_verified_on is not None


def test_verify_unknown_key(session, world):
    result = ak.verify_key(session, ak.generate_key("organization").value)
    assert (result.is_valid, result.key, result.reason) == (False, None, "unknown")


def test_verify_is_one_atomic_increment(session, world, engine):
    """Two sessions verifying the same key both count: the UPDATE adds 1 to the stored value."""
    org_a, *_ = world
    key, secret = org_key(session, org_a)
    with Session(engine) as s1, Session(engine) as s2:
        first = s1.exec(select(ApiKey).where(ApiKey.id == key.id)).one()
        s2.exec(select(ApiKey).where(ApiKey.id == key.id)).one()  # both have read count 0
        assert first.verification_count == 0
        assert ak.verify_key(s1, secret).is_valid
        s1.commit()
        assert ak.verify_key(s2, secret).key.verification_count == 2
        s2.commit()
    session.expire_all()
    assert session.get(ApiKey, key.id).verification_count == 2


def test_rotate_keeps_the_id_and_kills_the_old_secret(session, world):
    org_a, *_ = world
    key, old = org_key(session, org_a)
    ak.verify_key(session, old)
    session.commit()
    rotated, new = ak.rotate_key(session, key.id, owner=ak.KeyOwner.organization(org_a.code), actor=ACTOR)
    session.commit()
    assert rotated.id == key.id and new != old and new.startswith("pk_org_")
    assert rotated.scopes == ["read:reports"] and rotated.name == "CI key" and rotated.verification_count == 1
    assert new.endswith(rotated.key_suffix) and new.startswith(rotated.key_prefix)
    stale = ak.verify_key(session, old)
    assert (stale.is_valid, stale.key, stale.reason) == (False, None, "unknown")
    assert ak.verify_key(session, new).is_valid
    [event] = events(session, "api_key.rotated")
    assert event.org_code == org_a.code and event.target_id == key.id


def test_rotate_that_lost_a_race_is_refused(session, world, engine, monkeypatch):
    """A rotation whose row changed between reading and writing writes nothing."""
    org_a, *_ = world
    key, _ = org_key(session, org_a)
    owner = ak.KeyOwner.organization(org_a.code)
    with Session(engine) as other:
        stale = other.get(ApiKey, key.id)  # read before the winning rotation commits
        _, winner = ak.rotate_key(session, key.id, owner=owner, actor=ACTOR)
        session.commit()
        monkeypatch.setattr(ak, "get_key", lambda *_a, **_k: stale)
        with pytest.raises(Conflict) as exc:
            ak.rotate_key(other, key.id, owner=owner, actor=ACTOR)
        assert exc.value.code == "API_KEY_CHANGED"
        other.rollback()
    monkeypatch.undo()
    session.expire_all()
    assert ak.verify_key(session, winner).is_valid


def test_revoke_is_immediate(session, world):
    org_a, *_ = world
    key, secret = org_key(session, org_a)
    owner = ak.KeyOwner.organization(org_a.code)
    revoked = ak.revoke_key(session, key.id, owner=owner, actor=ACTOR)
    session.commit()
    assert revoked.status == "revoked"
    result = ak.verify_key(session, secret)
    assert (result.is_valid, result.reason, result.key.id) == (False, "revoked", key.id)
    assert session.get(ApiKey, key.id).verification_count == 0
    with pytest.raises(Conflict):
        ak.revoke_key(session, key.id, owner=owner, actor=ACTOR)
    with pytest.raises(Conflict) as exc:
        ak.rotate_key(session, key.id, owner=owner, actor=ACTOR)
    assert exc.value.code == "API_KEY_REVOKED"
    [event] = events(session, "api_key.revoked")
    assert (event.before, event.after) == ({"status": "active"}, {"status": "revoked"})


def test_expiry(session, world):
    org_a, *_ = world
    key, secret = org_key(session, org_a, expires_on=clock.utcnow() + timedelta(hours=1))
    assert ak.verify_key(session, secret).is_valid
    session.commit()
    with clock.shifted(timedelta(hours=1, seconds=1)):
        result = ak.verify_key(session, secret)
        assert (result.is_valid, result.reason) == (False, "expired")
        assert ak.effective_status(session.get(ApiKey, key.id)) == "expired"
        with pytest.raises(Conflict) as exc:
            ak.rotate_key(session, key.id, owner=ak.KeyOwner.organization(org_a.code), actor=ACTOR)
        assert exc.value.code == "API_KEY_EXPIRED"
    session.expire_all()
    assert session.get(ApiKey, key.id).verification_count == 1


def test_naive_expiry_is_taken_as_utc(session, world):
    org_a, *_ = world
    naive = (clock.utcnow() + timedelta(days=1)).replace(tzinfo=None)
    key, _ = org_key(session, org_a, expires_on=naive)
    assert clock.as_utc(session.get(ApiKey, key.id).expires_on) == naive.replace(tzinfo=clock.utcnow().tzinfo)


def test_keys_cannot_be_reached_through_another_owner(session, world):
    org_a, org_b, alice, bob = world
    org_k, _ = org_key(session, org_a)
    user_k, _ = ak.create_key(session, actor=ACTOR, type="user", user_id=alice.id, name="Alice's")
    session.commit()
    strangers = {
        org_k.id: [ak.KeyOwner.organization(org_b.code), ak.KeyOwner.user(alice.id), ak.KeyOwner.organization("")],
        user_k.id: [ak.KeyOwner.user(bob.id), ak.KeyOwner.organization(org_a.code)],
    }
    for key_id, owners in strangers.items():
        for owner in owners:
            for call in (ak.get_key, ak.rotate_key, ak.revoke_key):
                kwargs = {"owner": owner} if call is ak.get_key else {"owner": owner, "actor": ACTOR}
                with pytest.raises(NotFound) as exc:
                    call(session, key_id, **kwargs)
                assert exc.value.code == "API_KEY_NOT_FOUND"
    session.expire_all()
    assert all(k.status == "active" for k in session.exec(select(ApiKey)).all())
    assert events(session, "api_key.rotated") == [] and events(session, "api_key.revoked") == []
    assert ak.get_key(session, user_k.id, owner=ak.KeyOwner.user(alice.id)).id == user_k.id


def test_secret_never_reaches_the_audit_log(session, world):
    org_a, *_ = world
    key, first = org_key(session, org_a)
    owner = ak.KeyOwner.organization(org_a.code)
    _, second = ak.rotate_key(session, key.id, owner=owner, actor=ACTOR)
    ak.verify_key(session, second)
    ak.revoke_key(session, key.id, owner=owner, actor=ACTOR)
    session.commit()
    rows = events(session)
    assert {"api_key.created", "api_key.rotated", "api_key.revoked"} <= {e.action for e in rows}
    dumped = json.dumps([e.model_dump(mode="json") for e in rows])
    for secret in (first, second):
        assert secret not in dumped and ak.parse_key(secret).body not in dumped
    assert session.get(ApiKey, key.id).key_hash not in dumped


def test_active_key_limit(session, world, monkeypatch):
    org_a, *_ = world
    monkeypatch.setattr(ak, "MAX_ACTIVE_KEYS_PER_OWNER", 2)
    org_key(session, org_a)
    k2, _ = org_key(session, org_a)
    with pytest.raises(Conflict):
        org_key(session, org_a)
    ak.revoke_key(session, k2.id, owner=ak.KeyOwner.organization(org_a.code), actor=ACTOR)
    org_key(session, org_a)


# --- scope catalogue ----------------------------------------------------------------------------

def test_scope_catalogue(session):
    scope = ak.create_api_scope(session, actor=ACTOR, key="read:reports", description=" Reports ")
    ak.create_api_scope(session, actor=ACTOR, key="admin:billing.invoices:all")
    session.commit()
    assert scope.id.startswith("scope_") and scope.description == "Reports"
    assert [s.key for s in ak.list_api_scopes(session)] == ["admin:billing.invoices:all", "read:reports"]
    with pytest.raises(Conflict) as exc:
        ak.create_api_scope(session, actor=ACTOR, key="read:reports")
    assert exc.value.code == "API_SCOPE_ALREADY_EXISTS"
    [event, _] = events(session, "api_scope.created")
    assert event.after == {"scope_key": "read:reports", "description": "Reports"}


@pytest.mark.parametrize("key", ["", "reports", "Read:reports", "read:", ":reports", "read reports", "read:rep orts",
                                 "read:" + "r" * 124, None, 7, "read:reports\n"])
def test_scope_key_is_validated(session, key):
    with pytest.raises(InvalidInput):
        ak.create_api_scope(session, actor=ACTOR, key=key)
    assert session.exec(select(ApiScope)).all() == []


def test_verify_in_a_long_lived_session_sees_a_rotation(session, world, engine):
    org_a, *_ = world
    key, old = org_key(session, org_a)
    assert ak.verify_key(session, old).is_valid  # the key is now in this session's identity map
    session.commit()
    with Session(engine) as other:
        _, new = ak.rotate_key(other, key.id, owner=ak.KeyOwner.organization(org_a.code), actor=ACTOR)
        other.commit()
    assert ak.verify_key(session, new).is_valid
    assert not ak.verify_key(session, old).is_valid


# --- refusals in German (message catalogue "key_rules") -------------------------------------------

def test_create_refusals_read_in_german(session, world):
    org_a, *_ = world
    with pytest.raises(InvalidInput) as exc:
        ak.create_key(session, actor=ACTOR, type="organization", org_code=org_a.code, name="  ")
    assert exc.value.message == "name: give the key a name"
    assert exc.value.localized("de") == "name: Geben Sie dem Schlüssel einen Namen"
    with pytest.raises(InvalidInput) as exc:
        ak.create_key(session, actor=ACTOR, type="organization", org_code=org_a.code, name="k",
                      scopes=["read:secrets"])
    assert exc.value.message == "scopes: unknown scope(s) 'read:secrets'"
    assert exc.value.localized("de") == "scopes: unbekannte Berechtigung(en) 'read:secrets'"


def test_rotate_and_revoke_refusals_read_in_german(session, world):
    org_a, *_ = world
    key, _ = org_key(session, org_a)
    owner = ak.KeyOwner.organization(org_a.code)
    ak.revoke_key(session, key.id, owner=owner, actor=ACTOR)
    session.commit()
    with pytest.raises(Conflict) as exc:
        ak.revoke_key(session, key.id, owner=owner, actor=ACTOR)
    assert exc.value.message == "The key is already revoked."
    assert exc.value.localized("de") == "Der Schlüssel ist bereits widerrufen."
    with pytest.raises(Conflict) as exc:
        ak.rotate_key(session, key.id, owner=owner, actor=ACTOR)
    assert exc.value.message == "A revoked key cannot be rotated; create a new one."
    assert exc.value.localized("de") == "Ein widerrufener Schlüssel kann nicht rotiert werden; erstellen Sie einen neuen."
