"""The command line: seeding, development tokens, M2M applications and one-time links."""

import re

from sqlmodel import select

from portal_ui.cli import main
from portal_ui.demo.personas import DEMO_ORG_CODE, PERSONAS
from portal_ui.domain.permissions import member_permissions
from portal_ui.models import AuditEvent, User
from portal_ui.tokens.verify import get_verifier


def test_seed_demo_creates_personas_once(settings, session, capsys):
    assert main(["seed-demo", "--if-empty"]) == 0
    assert main(["seed-demo", "--if-empty"]) == 0
    assert "already seeded" in capsys.readouterr().out
    assert {u.id for u in session.exec(select(User)).all()} >= {p.user_id for p in PERSONAS}
    assert "org:write:members" in member_permissions(session, DEMO_ORG_CODE, "kp_demo_olivia")
    assert member_permissions(session, DEMO_ORG_CODE, "kp_demo_vic") == {
        "org:read:details", "org:read:billing", "org:read:members", "read:org:authentication"}
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "demo.seeded")).first() is not None


def test_token_prints_a_verifiable_user_token(settings, capsys):
    assert main(["token", "--user", "kp_demo_bill", "--org", DEMO_ORG_CODE]) == 0
    claims = get_verifier(settings).verify(capsys.readouterr().out.strip())
    assert claims["sub"] == "kp_demo_bill" and claims["org_code"] == DEMO_ORG_CODE


def test_link_prints_a_one_time_link_that_redeems_once(settings, client, capsys):
    main(["seed-demo"])
    capsys.readouterr()
    assert main(["link", "--user", "kp_demo_vic", "--org", DEMO_ORG_CODE, "--sub-nav", "organization_members"]) == 0
    url = capsys.readouterr().out.strip()
    assert url.startswith("http://portal.test/portal_redirect?key=")
    path = url.removeprefix("http://portal.test")
    first = client.get(path, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].endswith("/org/members")
    assert client.get(path, follow_redirects=False).status_code == 410


def test_link_for_an_unknown_sub_nav_is_refused_clearly(settings, capsys):
    main(["seed-demo"])
    assert main(["link", "--user", "kp_demo_bea", "--sub-nav", "nowhere"]) == 2
    assert "sub_nav" in capsys.readouterr().err


def test_m2m_create_prints_credentials_that_get_a_token(settings, client, capsys):
    assert main(["m2m", "create", "--name", "backend", "--scopes", "create:portal_links,read:users"]) == 0
    out = capsys.readouterr().out
    client_id = re.search(r"client_id:\s+(\S+)", out).group(1)
    secret = re.search(r"client_secret:\s+(\S+)", out).group(1)
    resp = client.post("/oauth2/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                              "client_secret": secret})
    assert resp.status_code == 200
    assert set(resp.json()["scope"].split()) == {"create:portal_links", "read:users"}


def test_preview_prints_a_one_time_preview_link(settings, capsys):
    assert main(["seed-demo"]) == 0
    capsys.readouterr()
    assert main(["preview", "--org", "org_demo_acme", "--role", "viewer"]) == 0
    url = capsys.readouterr().out.strip()
    assert url.startswith("http://portal.test/portal_redirect?key=")
    assert main(["preview", "--org", "org_demo_acme", "--role", "nope"]) == 2
    assert "no role" in capsys.readouterr().err


def _own_organization(session, name="Globex"):
    from portal_ui.domain.audit import Actor
    from portal_ui.domain.organizations import create_organization

    org = create_organization(session, actor=Actor.system("test"), name=name)
    session.commit()
    return org


def test_seed_demo_refuses_a_database_with_organizations_of_its_own(settings, session, capsys):
    org = _own_organization(session)
    assert main(["seed-demo"]) == 2
    err = capsys.readouterr().err
    assert f"1 organization ({org.code})" in err and "--force" in err and "REFLEX_DB_URL" in err
    assert session.exec(select(User)).all() == []  # nothing seeded
    assert main(["seed-demo", "--if-empty"]) == 0  # make run: says why, seeds nothing, does not fail
    assert "demo not seeded" in capsys.readouterr().out
    assert session.exec(select(User)).all() == []
    assert main(["seed-demo", "--force"]) == 0
    assert {u.id for u in session.exec(select(User)).all()} == {p.user_id for p in PERSONAS}


def test_seed_demo_counts_users_and_roles_of_its_own_too(settings, session, capsys):
    from portal_ui.domain.audit import Actor
    from portal_ui.domain.roles import create_role

    create_role(session, actor=Actor.system("test"), key="viewer", name="Our viewer")
    session.commit()
    assert main(["seed-demo"]) == 2
    assert "1 role (viewer)" in capsys.readouterr().err


def test_seed_demo_runs_again_over_its_own_demo(settings, capsys):
    assert main(["seed-demo"]) == 0
    assert main(["seed-demo"]) == 0  # the demo's own rows are not "data of its own"


def test_serve_with_the_demo_off_says_how_to_get_a_link(env, capsys):
    from portal_ui.cli import startup_text

    settings = env(PORTAL_DEMO="0", PORTAL_DEFAULT_RETURN_URL="https://app.example/account")
    text = startup_text(settings)
    assert "the demo is off (PORTAL_DEMO)" in text
    assert "http://portal.test/account_api/v1/portal_link" in text
    assert "http://portal.test/api/v1/portal/generate_url" in text and "m2m create" in text
    assert "python -m portal_ui.cli link --user" in text
    assert "/demo" not in text and "kp_demo" not in text and "portal_redirect?key=" not in text


def test_serve_with_the_demo_off_warns_of_a_return_url_or_a_demo_left_behind(env):
    from portal_ui.cli import startup_text
    from portal_ui.db import session_scope
    from portal_ui.demo.seed import seed_demo

    settings = env(PORTAL_DEMO="0", PORTAL_DEFAULT_RETURN_URL="http://portal.test/demo")
    text = startup_text(settings)
    assert "Exit returns users to http://portal.test/demo" in text and "PORTAL_DEFAULT_RETURN_URL" in text
    assert "holds the demo" not in text
    with session_scope() as s:
        seed_demo(s, settings)
    assert "this database holds the demo (org_demo_acme" in startup_text(settings)


def test_serve_with_an_external_issuer_asks_the_identity_provider_for_m2m_tokens(env):
    from portal_ui.cli import startup_text

    settings = env(PORTAL_JWT_ISSUER="https://idp.example/", PORTAL_JWKS_URL="https://idp.example/jwks.json",
                   PORTAL_JWT_AUDIENCE="https://api.example")
    text = startup_text(settings)
    assert "M2M token from your identity provider (audience https://api.example" in text
    assert "/oauth2/token" not in text and "m2m create" not in text


def test_serve_with_the_demo_on_prints_persona_links(demo, capsys):
    from portal_ui.cli import startup_text

    text = startup_text(demo)
    assert "http://portal.test/demo" in text
    assert text.count("http://portal.test/portal_redirect?key=") == len(PERSONAS) + 1  # and the preview


def test_serve_refuses_a_database_that_is_not_migrated(env, tmp_path, capsys):
    env(REFLEX_DB_URL=f"sqlite:///{tmp_path / 'fresh.db'}")
    assert main(["serve", "--port", "1"]) == 2  # before building anything
    assert "run `python -m portal_ui.cli migrate` first" in capsys.readouterr().err
