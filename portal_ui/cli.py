"""Command line: `python -m portal_ui.cli COMMAND` (see `--help`).

migrate      bring the database to the newest schema
seed-demo    create the demo personas, the Acme workspace and demo settings
m2m create   create an M2M application; prints its client id and secret once
token        mint a development user access token (embedded issuer only)
link         print a one-time portal link for a user
preview      print a one-time link to a read-only preview (--org, --role)
serve        start the portal (reflex, production build) and print demo links
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request

from portal_ui import db
from portal_ui.demo.personas import DEMO_ORG_CODE, PERSONAS
from portal_ui.domain.audit import Actor
from portal_ui.process_group import stop_process_group
from portal_ui.settings import ConfigError, get_settings


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def cmd_migrate(_args) -> int:
    url = get_settings().db_url
    if db.ensure_database(url):
        print("created the PostgreSQL database")
    db.migrate(url)
    print("database is at the newest schema")
    return 0


def cmd_seed_demo(args) -> int:
    from portal_ui.demo.seed import is_seeded, seed_demo

    settings = get_settings()
    with db.session_scope() as session:
        if args.if_empty and is_seeded(session):
            print("demo already seeded")
            return 0
        seed_demo(session, settings)
    print("demo seeded: personas " + ", ".join(p.user_id for p in PERSONAS))
    return 0


def cmd_m2m_create(args) -> int:
    from portal_ui.domain.m2m import create_m2m_app

    scopes = [s for item in args.scopes for s in item.replace(",", " ").split()]
    with db.session_scope() as session:
        client_id, secret = create_m2m_app(session, name=args.name, scopes=scopes, actor=Actor.system("cli"))
    print(f"client_id:     {client_id}\nclient_secret: {secret}\n(the secret is shown once; store it now)")
    return 0


def cmd_token(args) -> int:
    from portal_ui.tokens.issue import mint_user_token

    settings = get_settings()
    if settings.external_tokens:
        return _fail("PORTAL_JWT_ISSUER is set: your identity provider issues user tokens, not portal_ui")
    print(mint_user_token(settings, args.user, args.org, ttl=args.ttl))
    return 0


def _make_link(user: str, org: str | None, sub_nav: str | None, return_url: str | None = None) -> str:
    from portal_ui.domain.links import create_link

    with db.session_scope() as session:
        return create_link(session, get_settings(), user_id=user, org_code=org, sub_nav=sub_nav,
                           return_url=return_url, actor=Actor.system("cli"))


def cmd_link(args) -> int:
    from portal_ui.domain.errors import DomainError

    try:
        print(_make_link(args.user, args.org, args.sub_nav, args.return_url))
    except DomainError as exc:
        return _fail(exc.message)
    return 0


def _make_preview(org: str | None, role: str | None, sub_nav: str | None) -> str:
    from portal_ui.domain.previews import create_preview_link

    with db.session_scope() as session:
        return create_preview_link(session, get_settings(), actor=Actor.system("cli"), org_code=org, role_key=role,
                                   sub_nav=sub_nav)


def cmd_preview(args) -> int:
    from portal_ui.domain.errors import DomainError

    try:
        print(_make_preview(args.org, args.role, args.sub_nav))
    except DomainError as exc:
        return _fail(exc.message)
    return 0


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 600) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(1)
    return False


def cmd_serve(args) -> int:
    settings = get_settings()
    port = args.port or settings.port
    env = {**os.environ, "PORT": str(port)}
    cmd = [sys.executable, "-m", "portal_ui.serve", "run", "--env", "prod", "--single-port", "--backend-port", str(port)]
    print(f"building and starting the portal on port {port} (the first build takes about a minute)...", flush=True)
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    try:
        if not _wait_until_up(f"http://127.0.0.1:{port}/ping", proc):
            return _fail("the portal did not start; see the output above")
        base = settings.public_url
        print(f"\n  Demo host app (start here): {base}/demo\n")
        print("  One-time portal links (each works once, for "
              f"{settings.link_ttl_seconds // 60} minutes; /demo makes new ones):")
        for persona in PERSONAS:
            try:
                link = _make_link(persona.user_id, persona.org_code, None)
            except Exception as exc:  # a missing persona should not stop the server
                link = f"(unavailable: {exc})"
            print(f"  - {persona.full_name:<14} {persona.summary}\n      {link}")
        try:
            preview = _make_preview(DEMO_ORG_CODE, "viewer", "organization_members")
        except Exception as exc:  # the demo may not be seeded
            preview = f"(unavailable: {exc})"
        print(f"\n  Preview (read-only, as Acme's viewer role; switch roles in the banner):\n      {preview}")
        print("\n  Press Ctrl+C to stop.\n", flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop_process_group(proc, timeout=10)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal-ui", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="bring the database to the newest schema").set_defaults(func=cmd_migrate)
    seed = sub.add_parser("seed-demo", help="create the demo environment")
    seed.add_argument("--if-empty", action="store_true", help="do nothing when the demo exists already")
    seed.set_defaults(func=cmd_seed_demo)
    m2m = sub.add_parser("m2m", help="M2M applications").add_subparsers(dest="m2m_command", required=True)
    create = m2m.add_parser("create", help="create an M2M application")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", nargs="+", required=True, help="scopes, space- or comma-separated")
    create.set_defaults(func=cmd_m2m_create)
    token = sub.add_parser("token", help="mint a development user token")
    token.add_argument("--user", required=True)
    token.add_argument("--org")
    token.add_argument("--ttl", type=int, default=3600)
    token.set_defaults(func=cmd_token)
    link = sub.add_parser("link", help="print a one-time portal link")
    link.add_argument("--user", required=True)
    link.add_argument("--org")
    link.add_argument("--sub-nav", dest="sub_nav")
    link.add_argument("--return-url", dest="return_url")
    link.set_defaults(func=cmd_link)
    preview = sub.add_parser("preview", help="print a one-time link to a read-only preview")
    preview.add_argument("--org", help="organization code; omit to preview the user portal")
    preview.add_argument("--role", help="role key whose view to preview (with --org)")
    preview.add_argument("--sub-nav", dest="sub_nav")
    preview.set_defaults(func=cmd_preview)
    serve = sub.add_parser("serve", help="start the portal and print demo links")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        return _fail(str(exc))


if __name__ == "__main__":
    sys.exit(main())
