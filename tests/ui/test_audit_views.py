"""The audit-log section's rows, choices and form reading, without a browser
(portal_ui.ui.state.audit_views)."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from portal_ui import i18n
from portal_ui.domain.audit_log import AuditEntry, Change
from portal_ui.ui.state.audit_views import (ANY, AuditFilters, action_options, activity_item, audit_item,
                                            export_href, read_filters)

WHEN = datetime(2026, 3, 7, 14, 5, tzinfo=timezone.utc)


def say(lang: str = "en", alias: str = "Workspace"):
    return lambda key, **values: i18n.translate_aliased(lang, key, alias, **values)


def entry(**fields) -> AuditEntry:
    base = dict(id=7, occurred_on=WHEN, actor_type="user", actor_id="kp_ada", actor_name="Ada Lovelace",
                actor_email="ada@example.com", action="organization.updated", target_type="organization",
                target_id="org_a", org_code="org_a", before={"name": "A"}, after={"name": "B"},
                changes=[Change("name", "A", "B"), Change("country", "", "GB")], client_ip="203.0.113.7",
                user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15")
    return AuditEntry(**{**base, **fields})


def test_a_user_row_says_who_what_and_from_where_with_the_alias():
    item = audit_item(entry(), say(), "en")
    assert (item.when, item.who, item.who_detail) == ("7 Mar 2026, 14:05", "Ada Lovelace", "ada@example.com")
    assert item.what == "Workspace details changed"
    assert item.changes == ["name: A → B", "country: GB"]
    assert (item.where, item.where_detail) == ("203.0.113.7", "Safari on macOS")
    assert audit_item(entry(), say("de"), "de").where_detail == "Safari unter macOS"


def test_m2m_system_unknown_and_uncatalogued_rows():
    m2m = audit_item(entry(actor_type="m2m", actor_id="cli_1", actor_name="", actor_email=""), say(), "en")
    assert (m2m.who, m2m.who_detail, m2m.where_detail) == ("cli_1", "M2M application", "M2M client cli_1")
    system = audit_item(entry(actor_type="system", actor_id="cli", actor_name="cli", client_ip="", user_agent=""),
                        say(), "en")
    assert (system.who, system.where) == ("System (cli)", "—")
    gone = audit_item(entry(actor_name="", actor_email="", action="webhook.created"), say(), "en")
    assert (gone.who, gone.who_detail, gone.what) == ("kp_ada", "No longer a user", "webhook.created")


def test_activity_names_the_organization_or_the_account():
    assert activity_item(entry(), {"org_a": "Acme"}, say(), "en").place == "Acme"
    mine = activity_item(entry(org_code=None, action="user.updated"), {}, say(), "en")
    assert (mine.place, mine.what) == ("Your account", "Profile changed")
    assert mine.source == "203.0.113.7 · Safari on macOS"


def test_action_choices_are_groups_then_their_actions():
    options = action_options(say())
    values = [o["value"] for o in options]
    assert values[0] == ANY
    assert values.index("member.*") < values.index("member.removed") < values.index("invitation.*")
    assert {"label": "Workspace details: All actions", "value": "organization.*"} in options


def test_the_form_is_read_defensively():
    assert read_filters({"actor_type": "m2m", "actor": " cli_1 ", "action": "member.*", "date_from": "2026-03-01",
                         "extra": "ignored"}) == AuditFilters("m2m", "cli_1", "member.*", "2026-03-01", "")
    assert read_filters({"actor_type": "root", "actor": ["x"], "date_to": "2026-03-01T00:00:00Z"}) == AuditFilters(
        date_to="2026-03-01")  # cut to a day's length; the domain checks the rest
    assert read_filters("not a form") == AuditFilters()


def test_the_export_link_carries_the_filters():
    href = export_href("kp_ada", "member.*", "2026-03-01", "")
    parts = urlsplit(href)
    assert parts.path == "/org/audit-log/export.csv"
    assert parse_qs(parts.query) == {"actor": ["kp_ada"], "action": ["member.*"], "date_time_from": ["2026-03-01"]}
    assert export_href("", "", "", "") == "/org/audit-log/export.csv"
