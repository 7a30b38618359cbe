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
