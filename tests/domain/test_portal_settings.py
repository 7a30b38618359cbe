"""Portal settings: environment defaults, partial PATCH, validation, organization overrides."""

import pytest
from sqlmodel import select

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain import portal_settings as ps
from portal_ui.domain.audit import Actor
from portal_ui.domain.errors import InvalidInput, NotFound
from portal_ui.models import AuditEvent, PortalSettingsRow

ACTOR = Actor(type="m2m", id="test-client")


def test_defaults_come_from_the_environment(env, session):
    settings = env(PORTAL_LINK_TTL_SECONDS="120", PORTAL_ALLOWED_RETURN_ORIGINS="https://other.example")
    data = ps.environment_settings(session, settings)
    assert data["return_url"] == "https://app.example/account"
    assert data["allowed_return_origins"] == ["https://other.example"]
    assert data["link_ttl_seconds"] == 120
    assert all(data["org_functions"].values()) and all(data["user_functions"].values())
    effective = ps.effective_settings(session, settings)
    assert effective.return_origins == {"https://other.example", "https://app.example"}


def test_patch_changes_only_named_fields_and_nested_fields_merge(settings, session):
    ps.update_environment_settings(session, settings, {"org_alias": "Team", "org_functions": {"billing": False}}, ACTOR)
    ps.update_environment_settings(session, settings, {"branding": {"accent_color": "#0F766E"}}, ACTOR)
    data = ps.environment_settings(session, settings)
    assert data["org_alias"] == "Team"
    assert data["org_functions"] == {"details": True, "billing": False, "members": True, "api_keys": True,
                                     "audit_log": True}
    assert data["branding"]["accent_color"] == "#0f766e"
    assert data["branding"]["product_name"] == ps.DEFAULT_BRANDING["product_name"]


def test_api_value_wins_over_a_later_environment_change(env, session):
    settings = env()
    ps.update_environment_settings(session, settings, {"link_ttl_seconds": 600}, ACTOR)
    settings = env(PORTAL_LINK_TTL_SECONDS="60")
    assert ps.effective_settings(session, settings).link_ttl_seconds == 600


@pytest.mark.parametrize("patch", [
    {"colour": "red"},
    {"org_alias": ""},
    {"org_alias": "x" * 41},
    {"org_alias": "Team\x07"},
    {"org_functions": {"billing": "yes"}},
    {"org_functions": {"payroll": True}},
    {"user_functions": ["profile"]},
    {"link_ttl_seconds": 5},
    {"link_ttl_seconds": True},
    {"link_ttl_seconds": "300"},
    {"session_idle_seconds": 10_000, "session_max_seconds": 5_000},
    {"return_url": "javascript:alert(1)"},
    {"allowed_return_origins": ["https://app.example/path"]},
    {"allowed_return_origins": "https://app.example"},
    {"branding": {"accent_color": "red"}},
    {"branding": {"appearance": "sepia"}},
    {"branding": {"logo_url": "javascript:alert(1)"}},
    {"branding": {"font": "Comic Sans"}},
    {"override_environment": True},  # organization-only field
    ["org_alias"],
])
def test_bad_values_are_refused_without_writing(settings, session, patch):
    with pytest.raises(InvalidInput):
        ps.update_environment_settings(session, settings, patch, ACTOR)
    assert session.exec(select(PortalSettingsRow)).first() is None
    assert session.exec(select(AuditEvent)).first() is None


def test_each_change_is_audited_with_before_and_after(settings, session):
    ps.update_environment_settings(session, settings, {"org_alias": "Team"}, ACTOR)
    ps.update_environment_settings(session, settings, {"org_alias": "Team"}, ACTOR)  # no change, no event
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "portal_settings.updated")).all()
    assert len(events) == 1
    assert events[0].after == {"org_alias": "Team"} and events[0].actor_id == "test-client"


def test_organization_override_applies_only_when_switched_on(demo, session):
    settings = demo
    ps.update_organization_settings(session, settings, DEMO_ORG_CODE,
                                    {"org_functions": {"billing": False}, "branding": {"product_name": "Acme Hub"}},
                                    ACTOR)
    assert ps.effective_settings(session, settings, DEMO_ORG_CODE).org_functions["billing"] is True
    ps.update_organization_settings(session, settings, DEMO_ORG_CODE, {"override_environment": True}, ACTOR)
    effective = ps.effective_settings(session, settings, DEMO_ORG_CODE)
    assert effective.org_override and effective.org_functions["billing"] is False
    assert effective.branding["product_name"] == "Acme Hub"
    assert effective.branding["accent_color"] == "#4f46e5"  # the environment's, not overridden
    assert ps.effective_settings(session, settings).branding["product_name"] == "Nimbus"


def test_unknown_organization_is_not_found(settings, session):
    with pytest.raises(NotFound):
        ps.organization_settings(session, settings, "org_nope")
    with pytest.raises(NotFound):
        ps.update_organization_settings(session, settings, "org_nope", {"override_environment": True}, ACTOR)


def _concurrent_patches(settings, count: int = 8) -> dict:
    """`count` threads each PATCH a different branding/function field at the same moment."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from portal_ui import db

    barrier = Barrier(count)
    keys = ["details", "billing", "members", "api_keys"]

    def patch(i: int):
        field = {"org_functions": {keys[i % 4]: False}} if i < 4 else {"user_functions": {
            ["profile", "billing", "api_keys"][i % 3]: False}} if i < 7 else {"org_alias": "Team"}
        barrier.wait()
        with db.session_scope() as session:
            ps.update_environment_settings(session, settings, field, ACTOR)

    with ThreadPoolExecutor(count) as pool:
        list(pool.map(patch, range(count)))
    with db.session_scope() as session:
        return ps.environment_settings(session, settings)


def _assert_nothing_lost(data: dict) -> None:
    assert data["org_functions"] == {"details": False, "billing": False, "members": False, "api_keys": False,
                                     "audit_log": True}  # no thread patched it
    assert data["user_functions"] == {"profile": False, "billing": False, "api_keys": False}
    assert data["org_alias"] == "Team"


def test_concurrent_patches_of_different_fields_lose_nothing_on_sqlite(settings):
    _assert_nothing_lost(_concurrent_patches(settings))


@pytest.mark.postgres
def test_concurrent_patches_of_different_fields_lose_nothing_on_postgresql(env, pg_url):
    _assert_nothing_lost(_concurrent_patches(env(REFLEX_DB_URL=pg_url)))
