"""The domains section: the organization's email domains, their TXT records, verification,
enrolment modes and removal.

Read with `org:read:details`, changed with `org:write:details` (README "Domains"). Every handler
asks the guard first, takes only ids and short strings, and reads the organization from the
session; the rules (names, consumer domains, expiry, DNS) live in portal_ui.domain.domains.
"""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session

from portal_ui.domain import domains
from portal_ui.domain.sessions import ActiveSession
from portal_ui.models import OrganizationDomain
from portal_ui.settings import get_settings
from portal_ui.ui.state.member_views import day, form_text
from portal_ui.ui.state.portal import PortalState

SECTION = "organization_domains"
ID_MAX = 64


@dataclasses.dataclass
class DomainItem:
    """One domain as the page shows it."""

    id: str = ""
    name: str = ""  # as people write it
    status: str = ""  # pending|verified|expired
    status_label: str = ""
    when: str = ""  # "Expires 4 Jan 2027", "Verified 5 Dec 2026"
    enrolment: str = ""
    record_name: str = ""
    record_value: str = ""


def _an_id(value: object) -> str:
    return value if isinstance(value, str) and 0 < len(value) <= ID_MAX else ""


class DomainsState(PortalState):
    domains_loaded: bool = False
    domain_rows: list[DomainItem] = []
    domains_intro: str = ""
    add_error: str = ""
    add_busy: bool = False
    add_revision: int = 0  # moves on after an addition, so the input starts empty again
    verify_busy: str = ""  # id of the domain being verified
    domain_errors: dict[str, str] = {}  # domain id -> why its verification failed
    remove_open: bool = False
    remove_name: str = ""
    remove_busy: bool = False
    remove_error: str = ""
    _removing: str = ""

    def _item(self, domain: OrganizationDomain) -> DomainItem:
        lang = self._shell().lang
        status = domains.status_of(domain)
        if status == "verified":
            when = self._t("domains.verified_on", date=day(domain.verified_on, lang)) if domain.verified_on else ""
        else:
            key = "domains.expired_on" if status == "expired" else "domains.expires"
            when = self._t(key, date=day(domains.expires_on(domain), lang))
        return DomainItem(id=domain.id, name=domains.display_name(domain.name), status=status,
                          status_label=self._t(f"domains.status.{status}"), when=when, enrolment=domain.enrolment,
                          record_name=domains.record_name(domain), record_value=domains.record_value(domain))

    def _load(self, db: Session, active: ActiveSession) -> None:
        self.domain_rows = [self._item(d) for d in domains.list_domains(db, active.org_code)]
        self.domains_intro = self._t("domains.intro")
        self.domains_loaded = True

    @rx.event
    def load_domains(self):
        """on_load of /org/domains."""
        def work(db: Session, active: ActiveSession):
            self.domain_errors = {}
            self._load(db, active)

        return self._act(SECTION, work, level="enter")

    @rx.event
    def add_domain(self, form: dict):
        """Submit of the add form (`domain`)."""
        def work(db: Session, active: ActiveSession):
            domain = domains.add_domain(db, actor=self._actor(active), org_code=active.org_code,
                                        name=form_text(form, "domain", domains.INPUT_MAX + 1))
            db.commit()
            self.add_revision += 1
            self._load(db, active)
            return rx.toast.success(self._t("domains.added_toast", domain=domains.display_name(domain.name)))

        self.add_error = ""
        return self._act(SECTION, work, busy="add_busy", failed=self._add_failed)

    def _add_failed(self, exc: Exception):
        self.add_error = self._error(exc)

    @rx.event
    def verify_domain(self, domain_id: str):
        """Look the domain's TXT record up (PORTAL_DNS_RESOLVER); a failure is shown beside the record."""
        wanted = _an_id(domain_id)

        def work(db: Session, active: ActiveSession):
            domain = domains.verify_domain(db, actor=self._actor(active), org_code=active.org_code,
                                           domain_id=wanted, resolver=get_settings().dns_resolver)
            db.commit()
            self.domain_errors = {k: v for k, v in self.domain_errors.items() if k != wanted}
            self._load(db, active)
            return rx.toast.success(self._t("domains.verified_toast", domain=domains.display_name(domain.name)))

        def failed(exc: Exception):
            self.domain_errors = {**self.domain_errors, wanted: self._error(exc)}

        return self._act(SECTION, work, busy="verify_busy", busy_value=wanted or "-", failed=failed)

    @rx.event
    def set_enrolment(self, domain_id: str, mode: str):
        """How people at a verified domain join: manual, suggest or automatic."""
        def work(db: Session, active: ActiveSession):
            domain = domains.set_enrolment(db, actor=self._actor(active), org_code=active.org_code,
                                           domain_id=_an_id(domain_id), mode=mode if isinstance(mode, str) else "")
            db.commit()
            self._load(db, active)
            return rx.toast.success(self._t("domains.mode_saved", domain=domains.display_name(domain.name),
                                            mode=self._t(f"domains.mode.{domain.enrolment}")))

        def failed(exc: Exception):
            self.domain_rows = list(self.domain_rows)  # sent again: the select goes back to the stored mode
            return rx.toast.error(self._error(exc))

        return self._act(SECTION, work, failed=failed)

    # ---- removing -------------------------------------------------------------------------------

    @rx.event
    def ask_remove(self, domain_id: str):
        def work(db: Session, active: ActiveSession):
            domain = domains.get_domain(db, active.org_code, _an_id(domain_id))
            self._removing = domain.id
            self.remove_name = domains.display_name(domain.name)
            self.remove_error = ""
            self.remove_open = True

        return self._act(SECTION, work)

    @rx.event
    def close_remove(self, _open: bool = False):
        self.remove_open = False
        self.remove_busy = False
        self._removing = ""

    @rx.event
    def confirm_remove(self):
        def work(db: Session, active: ActiveSession):
            follow = None
            if self._removing:
                domain = domains.remove_domain(db, actor=self._actor(active), org_code=active.org_code,
                                               domain_id=self._removing)
                db.commit()
                self._load(db, active)
                follow = rx.toast.success(self._t("domains.removed_toast", domain=domains.display_name(domain.name)))
            self._end_remove()
            return follow

        def failed(exc: Exception):
            self.remove_error = self._error(exc)

        return self._act(SECTION, work, busy="remove_busy", refused=self._end_remove, failed=failed)

    def _end_remove(self) -> None:
        self.remove_open = False
        self._removing = ""
