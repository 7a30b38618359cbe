"""The full card number and the CVC reach no database byte, log line or audit event."""

import logging
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlmodel import select

from portal_ui.billing import provider as provider_module
from portal_ui.billing.payment_methods import add_card
from portal_ui.billing.provider import CardDeclined
from portal_ui.billing.subscriptions import change_plan
from portal_ui.domain import clock
from portal_ui.domain import secrets as domain_secrets
from portal_ui.domain.errors import InvalidInput
from portal_ui.models import AuditEvent, PaymentMethod

from tests.billing.conftest import ACTOR

NUMBER = "378282246310005"  # an American Express test number: 15 digits, 4-digit CVC
CVC = "8317"
SECRETS = (NUMBER, "3782 822463 10005", "822463", "4000000000000002", "4012888888881881", CVC, "737")
FIXED_NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
# SQLAlchemy's statement log says how old each cached statement is ("[cached since 0.03737s ago]",
# "[generated in 0.00016s]"): run-time digits that may contain "737" by chance, and no card data.
STATEMENT_TIMINGS = re.compile(r"\[[^\]\n]*\d\.\d+s(?: ago)?\]")


class _FrozenDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        return FIXED_NOW


def _letters_only(nbytes: int = 16) -> str:
    # Random ids made of hex letters only, so that a digit string found in the file can only be card data.
    _letters_only.n += 1
    return "".join("abcdef"[(_letters_only.n * 7 + i) % 6] for i in range(2 * nbytes))


_letters_only.n = 0


@pytest.fixture
def deterministic(monkeypatch):
    """No random digits in new rows: a fixed clock and letter-only random ids (request it first)."""
    monkeypatch.setattr(clock, "datetime", _FrozenDatetime)
    monkeypatch.setattr(domain_secrets.secrets, "token_hex", _letters_only)
    monkeypatch.setattr(provider_module.secrets, "token_hex", _letters_only)


def database_bytes(settings) -> bytes:
    path = Path(settings.db_url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def test_card_number_and_cvc_are_nowhere(deterministic, session, engine, settings, org, plans, caplog):
    baseline = database_bytes(settings)
    assert not [s for s in SECRETS if s.encode() in baseline]
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # log every statement and its parameters
    try:
        method = add_card(session, actor=ACTOR, owner=org, number="3782 822463 10005", exp_month=12,
                          exp_year=2030, cvc=CVC)
        session.commit()
        for bad in ("4000000000000002", "4012888888881881"):
            with pytest.raises((CardDeclined, InvalidInput)) as err:
                add_card(session, actor=ACTOR, owner=org, number=bad, exp_month=12, exp_year=2030, cvc="737")
            assert bad not in str(err.value) and "737" not in str(err.value)
        change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
        session.commit()
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    session.close()
    engine.dispose()  # close connections so the WAL content is in the files we read

    assert (method.brand, method.last4) == ("amex", "0005")
    data = database_bytes(settings)
    assert b"amex" in data and b"INV-000001" in data  # the files read do hold the new rows
    for secret in SECRETS:
        assert secret.encode() not in data, f"{secret} found in the database file"
    logged = STATEMENT_TIMINGS.sub("[timing]", caplog.text)
    assert "INSERT INTO payment_methods" in logged  # the statement log was on
    for secret in SECRETS:
        assert secret not in logged, f"{secret} found in the logs"


def test_rows_and_audit_hold_only_safe_fields(session, org):
    method = add_card(session, actor=ACTOR, owner=org, number=NUMBER, exp_month=12, exp_year=2030, cvc=CVC)
    session.commit()
    [row] = session.exec(select(PaymentMethod)).all()
    stored = row.model_dump()
    assert set(stored) == {"id", "user_id", "org_code", "provider", "provider_ref", "brand", "last4", "exp_month",
                           "exp_year", "is_default", "created_on"}
    assert (stored["brand"], stored["last4"], stored["exp_month"], stored["exp_year"]) == ("amex", "0005", 12, 2030)
    assert not any(NUMBER[:6] in str(v) or NUMBER in str(v) for v in stored.values())
    for event in session.exec(select(AuditEvent)).all():
        assert NUMBER not in repr(event.after) and CVC not in repr(event.after)
    assert method.provider_ref.startswith("tok_test_")
