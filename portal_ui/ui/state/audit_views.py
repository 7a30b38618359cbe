"""What the audit-log section and the profile's recent activity send to the browser, built from the
domain's entries (portal_ui.domain.audit_log), and reading the filter form.

Pure functions over domain values (no Reflex events, no database), so they are tested without a
browser. `say` is a catalogue lookup in the tab's language with the organization alias applied
(PortalState._t); actions the catalogue does not know show as their code.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable
from urllib.parse import urlencode

from portal_ui import i18n
from portal_ui.domain.audit_log import ACTION_GROUPS, ACTOR_TYPES, AuditEntry, browser_and_system
from portal_ui.domain.clock import as_utc
from portal_ui.paths import AUDIT_LOG_CSV

Say = Callable[..., str]
ANY = "any"  # the select's value for "no filter" (a Radix select item cannot have "" as its value)
ACTOR_LABELS = {ANY: "audit.actor_any", "user": "audit.actor_user", "m2m": "audit.actor_m2m",
                "system": "audit.actor_system"}
TEXT_MAX = {"actor_type": 8, "actor": 320, "action": 64, "date_from": 10, "date_to": 10}


@dataclasses.dataclass
class AuditItem:
    """One row of the audit-log table."""

    id: str = ""
    when: str = ""  # "4 Dec 2026, 18:36"
    when_iso: str = ""
    who: str = ""
    who_detail: str = ""  # email, client id or component
    what: str = ""  # the action's label
    action: str = ""  # its code
    target: str = ""  # "user kp_123"
    changes: list[str] = dataclasses.field(default_factory=list)
    where: str = ""  # an IP address, or the M2M client
    where_detail: str = ""  # "Firefox on Windows"


@dataclasses.dataclass
class ActivityItem:
    """One line of the profile's recent activity."""

    when: str = ""
    when_iso: str = ""
    what: str = ""
    place: str = ""  # the organization's name, or "Your account"
    source: str = ""  # "203.0.113.7 · Firefox on Windows"


@dataclasses.dataclass
class AuditFilters:
    """The filter form as the page holds it (texts, "any" for no choice)."""

    actor_type: str = ANY
    actor: str = ""
    action: str = ANY
    date_from: str = ""
    date_to: str = ""


def moment(entry: AuditEntry, lang: str) -> str:
    """"4 Dec 2026, 18:36" in UTC (the page says the times are UTC)."""
    when = as_utc(entry.occurred_on)
    return f"{i18n.format_date(when, lang)}, {when:%H:%M}"


def action_label(action: str, say: Say) -> str:
    key = f"audit.action.{action}"
    return say(key) if key in i18n.catalogue(i18n.FALLBACK) else action


def browser_text(user_agent: str, say: Say) -> str:
    browser, system = browser_and_system(user_agent)
    if browser and system:
        return say("audit.browser_on", browser=browser, system=system)
    return browser or system


def _who(entry: AuditEntry, say: Say) -> tuple[str, str]:
    if entry.actor_type == "user":
        if not entry.actor_name:
            return entry.actor_id, say("audit.unknown_person")
        return entry.actor_name, entry.actor_email if entry.actor_email != entry.actor_name else ""
    if entry.actor_type == "m2m":
        return entry.actor_name or entry.actor_id, say("audit.m2m_application")
    return say("audit.system", component=entry.actor_id), ""


def _where(entry: AuditEntry, say: Say) -> tuple[str, str]:
    if entry.actor_type == "m2m":
        return entry.client_ip or say("audit.no_address"), say("audit.m2m_client", client=entry.actor_id)
    if not entry.client_ip and not entry.user_agent:
        return (say("audit.no_address"), "") if entry.actor_type == "user" else ("—", "")
    return entry.client_ip or say("audit.no_address"), browser_text(entry.user_agent, say)


def audit_item(entry: AuditEntry, say: Say, lang: str) -> AuditItem:
    who, who_detail = _who(entry, say)
    where, where_detail = _where(entry, say)
    changes = [f"{c.field}: {c.before} → {c.after}" if c.before else f"{c.field}: {c.after}" for c in entry.changes]
    return AuditItem(id=str(entry.id), when=moment(entry, lang), when_iso=as_utc(entry.occurred_on).isoformat(),
                     who=who, who_detail=who_detail, what=action_label(entry.action, say), action=entry.action,
                     target=f"{entry.target_type} {entry.target_id}".strip(), changes=changes, where=where,
                     where_detail=where_detail)


def activity_item(entry: AuditEntry, org_names: dict[str, str], say: Say, lang: str) -> ActivityItem:
    place = org_names.get(entry.org_code or "", entry.org_code or "") if entry.org_code else say("audit.in_account")
    source = " · ".join(part for part in (entry.client_ip, browser_text(entry.user_agent, say)) if part)
    return ActivityItem(when=moment(entry, lang), when_iso=as_utc(entry.occurred_on).isoformat(),
                        what=action_label(entry.action, say), place=place, source=source)


def actor_options(say: Say) -> list[dict[str, str]]:
    return [{"value": value, "label": say(key)} for value, key in ACTOR_LABELS.items()]


def action_options(say: Say) -> list[dict[str, str]]:
    """"All actions", then each group ("Members: all") followed by its actions, in catalogue order."""
    known = [key[len("audit.action."):] for key in i18n.catalogue(i18n.FALLBACK) if key.startswith("audit.action.")]
    out = [{"value": ANY, "label": say("audit.action_any")}]
    for group in ACTION_GROUPS:
        out.append({"value": f"{group}.*", "label": f"{say(f'audit.group.{group}')}: {say('audit.action_any')}"})
        out += [{"value": action, "label": f"— {action_label(action, say)}"} for action in known
                if action.startswith(f"{group}.")]
    return out


def read_filters(form: Any) -> AuditFilters:
    """The filter form's texts (missing or non-text fields read as empty; each cut to its size)."""
    data = form if isinstance(form, dict) else {}

    def text(name: str) -> str:
        value = data.get(name, "")
        return value.strip()[:TEXT_MAX[name]] if isinstance(value, str) else ""

    actor_type = text("actor_type")
    return AuditFilters(actor_type=actor_type if actor_type in ACTOR_TYPES else ANY, actor=text("actor"),
                        action=text("action") or ANY, date_from=text("date_from"), date_to=text("date_to"))


def export_href(actor: str, action: str, date_from: str, date_to: str) -> str:
    """The CSV export's address with the filters in force (the server checks them again)."""
    query = {name: value for name, value in (("actor", actor), ("action", action), ("date_time_from", date_from),
                                             ("date_time_to", date_to)) if value}
    return f"{AUDIT_LOG_CSV}?{urlencode(query)}" if query else AUDIT_LOG_CSV
