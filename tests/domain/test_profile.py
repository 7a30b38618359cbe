"""The profile: a user changes their own given and family name."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_ui.domain.audit import Actor
from portal_ui.domain.errors import InvalidFields, NotFound, Text
from portal_ui.domain.users import clean_name, create_user, update_profile
from portal_ui.models import AuditEvent, User

ACTOR = Actor(type="user", id="kp_ada", client_ip="10.0.0.2", user_agent="pytest")


@pytest.fixture
def user(session):
    user = create_user(session, actor=Actor.system(), user_id="kp_ada", given_name="Ada", family_name="Lovelace",
                       email="ada@example.com")
    session.commit()
    return user


def updates(session):
    return session.exec(select(AuditEvent).where(AuditEvent.action == "user.updated")).all()


def test_update_profile_trims_saves_and_audits_the_changed_names(session, user):
    updated = update_profile(session, actor=ACTOR, user_id=user.id, given_name="  Augusta Ada ", family_name="Lovelace")
    session.commit()
    assert (updated.given_name, updated.family_name, updated.email) == ("Augusta Ada", "Lovelace", "ada@example.com")
    [event] = updates(session)
    assert (event.actor_id, event.target_type, event.target_id, event.org_code) == ("kp_ada", "user", "kp_ada", None)
    assert (event.before, event.after) == ({"given_name": "Ada"}, {"given_name": "Augusta Ada"})


def test_no_change_writes_no_audit_event(session, user):
    update_profile(session, actor=ACTOR, user_id=user.id, given_name="Ada ", family_name=" Lovelace")
    session.commit()
    assert updates(session) == []


def test_family_name_is_optional(session, user):
    assert update_profile(session, actor=ACTOR, user_id=user.id, given_name="Ada", family_name="  ").family_name == ""


@pytest.mark.parametrize("given, family, bad", [
    ("", "Lovelace", {"given_name"}),
    ("   ", "Lovelace", {"given_name"}),
    (None, "Lovelace", {"given_name"}),
    ("x" * 256, "Lovelace", {"given_name"}),
    ("Ada", "x" * 256, {"family_name"}),
    ("A\x00da", "Love\ud83dlace", {"given_name", "family_name"}),
    ("Ada\n", "Love\tlace", {"family_name"}),  # the trailing line break is trimmed; the tab is not
    (42, ["Lovelace"], {"given_name", "family_name"}),
])
def test_bad_names_are_refused_field_by_field_and_nothing_is_written(session, user, given, family, bad):
    with pytest.raises(InvalidFields) as info:
        update_profile(session, actor=ACTOR, user_id=user.id, given_name=given, family_name=family)
    assert set(info.value.fields) == bad
    session.rollback()
    stored = session.get(User, user.id)
    assert (stored.given_name, stored.family_name) == ("Ada", "Lovelace") and updates(session) == []


def test_messages_are_clear_sentences(session, user):
    with pytest.raises(InvalidFields) as info:
        update_profile(session, actor=ACTOR, user_id=user.id, given_name="", family_name="Love\x00lace")
    assert info.value.fields == {"given_name": "Enter your given name.",
                                 "family_name": "Remove the NUL character (\\0); it cannot be stored."}
    assert info.value.message == "Given name: Enter your given name."


def test_unknown_user(session):
    with pytest.raises(NotFound):
        update_profile(session, actor=ACTOR, user_id="kp_nobody", given_name="A", family_name="")


def test_clean_name_refuses_lone_surrogates_everywhere():
    from portal_ui.domain.errors import InvalidInput

    with pytest.raises(InvalidInput, match="lone surrogate"):
        clean_name("Acme\udfff", field="name")
    assert clean_name("Zoë 👩‍💻", field="name") == "Zoë 👩‍💻"


def test_refusals_render_in_german(session, user):
    with pytest.raises(InvalidFields) as info:
        update_profile(session, actor=ACTOR, user_id=user.id, given_name="", family_name="x" * 300)
    assert info.value.localized_fields("de") == {"given_name": "Geben Sie Ihren Vornamen ein.",
                                                 "family_name": "Höchstens 255 Zeichen."}
    assert info.value.fields["family_name"] == "At most 255 characters."  # English unchanged
    from portal_ui.domain.errors import InvalidInput

    with pytest.raises(InvalidInput) as one:
        clean_name("Love\nlace", field=Text("profile.family_name"))
    assert one.value.message == "Family name: remove control characters such as tabs and line breaks"
    assert one.value.localized("de") == "Nachname: Entfernen Sie Steuerzeichen wie Tabulatoren und Zeilenumbrüche"
