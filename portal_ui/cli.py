"""Command line: `python -m portal_ui.cli COMMAND` (see `--help`).

migrate      bring the database to the newest schema
seed-demo    create the demo personas, the Acme workspace and demo settings (when PORTAL_DEMO is on)
m2m create   create an M2M application; prints its client id and secret once
m2m revoke   revoke an M2M application (--client-id); its tokens stop working too
m2m scopes   replace an M2M application's scopes (--client-id, --scopes)
token        mint a development user access token (embedded issuer only)
link         print a one-time portal link for a user
preview      print a one-time link to a read-only preview (--org, --role)
serve        start the portal (reflex, production build) and print how to open it
webhooks work  deliver webhooks (the server does it too; run more workers beside it as you wish)
accounts purge  delete the accounts whose deletion grace period has ended (the server does it hourly)
"""

from __future__ import annotations

import argparse
import os
import signal
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


DEMO_OFF = ("the demo is off (PORTAL_DEMO; it is off by default when PORTAL_JWT_ISSUER names an "
            "external issuer)")


def cmd_seed_demo(args) -> int:
    """Seed the demo. `--if-empty` (what `make run` uses) seeds only when the demo is on and the
    database holds nothing else, and otherwise says why it did nothing; without it, the same
    conditions are errors that `--force` overrides."""
    from portal_ui.demo.seed import is_seeded, non_demo_data, seed_demo

    settings = get_settings()
    with db.session_scope() as session:
        if args.if_empty and is_seeded(session):
            print("demo already seeded")
            return 0
        if not args.force:
            if not settings.demo:
                if args.if_empty:
                    print(f"{DEMO_OFF}: nothing seeded")
                    return 0
                return _fail(f"{DEMO_OFF}. Set PORTAL_DEMO=1 to use the demo, or pass --force to seed it anyway.")
            own = non_demo_data(session)
            if own:
                what = "; ".join(own)
                if args.if_empty:
                    print(f"the database holds data of its own ({what}): demo not seeded")
                    return 0
                return _fail(f"the database holds data of its own: {what}. The demo's roles would apply to its "
                             "organizations (every member added later would get the demo's default role "
                             "'viewer'). Seed the demo into a database of its own (REFLEX_DB_URL), or pass "
                             "--force to seed it here anyway.")
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


def cmd_m2m_revoke(args) -> int:
    from portal_ui.domain.errors import DomainError
    from portal_ui.domain.m2m import revoke_m2m_app

    try:
        with db.session_scope() as session:
            revoke_m2m_app(session, args.client_id, actor=Actor.system("cli"))
    except DomainError as exc:
        return _fail(exc.message)
    print(f"revoked {args.client_id}: it gets no new tokens, and its tokens stop working within seconds")
    return 0


def cmd_m2m_scopes(args) -> int:
    from portal_ui.domain.errors import DomainError
    from portal_ui.domain.m2m import set_m2m_scopes

    scopes = [s for item in args.scopes for s in item.replace(",", " ").split()]
    try:
        with db.session_scope() as session:
            app = set_m2m_scopes(session, args.client_id, scopes, actor=Actor.system("cli"))
            now = list(app.scopes)
    except DomainError as exc:
        return _fail(exc.message)
    print(f"{args.client_id} now has the scopes {' '.join(now)} (its tokens follow within seconds)")
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


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class _StopRequest:
    """Set by SIGTERM, SIGINT (Ctrl+C) or SIGHUP; the launcher's loops check it between short waits."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def __call__(self, signum, _frame) -> None:
        self.signum = signum

    def __bool__(self) -> bool:
        return self.signum is not None


def _wait_until_up(url: str, proc: subprocess.Popen, stop: _StopRequest, timeout: float = 600) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def _demo_text(settings) -> str:
    """Where to start with the demo on: /demo, a fresh link per persona, and a preview link."""
    lines = [f"  Demo host app (start here): {settings.public_url}/demo", "",
             f"  One-time portal links (each works once, for {settings.link_ttl_seconds // 60} minutes; "
             "/demo makes new ones):"]
    for persona in PERSONAS:
        try:
            link = _make_link(persona.user_id, persona.org_code, None)
        except Exception as exc:  # a missing persona should not stop the server
            link = f"(unavailable: {exc})"
        lines += [f"  - {persona.full_name:<14} {persona.summary}", f"      {link}"]
    try:
        preview = _make_preview(DEMO_ORG_CODE, "viewer", "organization_members")
    except Exception as exc:  # the demo may not be seeded
        preview = f"(unavailable: {exc})"
    lines += ["", "  Preview (read-only, as Acme's viewer role; switch roles in the banner):", f"      {preview}"]
    return "\n".join(lines)


def _links_text(settings, return_url: str, demo_seeded: bool) -> str:
    """How to get a one-time link when the demo is off: the two APIs, and the CLI for a quick test."""
    base = settings.public_url
    if settings.external_tokens:
        m2m = [f"  2. Server-side, with an M2M token from your identity provider (audience {settings.audience},",
               "     scope create:portal_links):"]
    else:
        m2m = ["  2. Server-side, with an M2M application's token (client_credentials at POST /oauth2/token):",
               "       python -m portal_ui.cli m2m create --name backend --scopes create:portal_links",
               f"       curl -s -X POST {base}/oauth2/token -d grant_type=client_credentials \\",
               "         -d client_id=$CLIENT_ID -d client_secret=$CLIENT_SECRET   # its access_token: $M2M_TOKEN"]
    lines = [
        f"  The portal is up at {base}; the demo is off (PORTAL_DEMO), so there are no demo links.",
        "  Users enter through one-time links that your app asks for:",
        "  1. With the signed-in user's access token (Account API):",
        f"       curl -s \"{base}/account_api/v1/portal_link?subnav=profile\" -H \"Authorization: Bearer $USER_TOKEN\"",
        *m2m,
        f"       curl -s -X POST {base}/api/v1/portal/generate_url -H \"Authorization: Bearer $M2M_TOKEN\" \\",
        "         -H 'Content-Type: application/json' -d '{\"user_id\": \"USER_ID\", \"organization_code\": \"ORG_CODE\"}'",
        "  3. On this machine, for a user the portal knows (testing):",
        "       python -m portal_ui.cli link --user USER_ID [--org ORG_CODE] [--sub-nav SECTION]",
        "  Each link works once, for "
        f"{settings.link_ttl_seconds // 60} minutes, and the user lands in the section named by sub_nav.",
    ]
    if return_url.rstrip("/") == f"{base}/demo":
        lines += ["", f"  Note: Exit returns users to {return_url}, which is the demo's page and off.",
                  "  Set PORTAL_DEFAULT_RETURN_URL to your app's address before the first start, or PATCH",
                  "  /api/v1/portal/settings with a return_url."]
    if demo_seeded:
        lines += ["", f"  Note: this database holds the demo ({DEMO_ORG_CODE}, its personas and its roles). Its role",
                  "  'viewer' is a default role: every member added later gets it. Remove the demo's rows, or use",
                  "  a database of your own."]
    return "\n".join(lines)


def startup_text(settings) -> str:
    """What `serve` prints once the portal answers: the demo's links, or how to get a link."""
    if settings.demo:
        return _demo_text(settings)
    from portal_ui.demo.seed import is_seeded
    from portal_ui.domain.portal_settings import environment_settings

    with db.session_scope() as session:
        return_url = environment_settings(session, settings)["return_url"]
        seeded = is_seeded(session)
    return _links_text(settings, return_url, seeded)


def _database_problem(url: str) -> str | None:
    """Why the portal cannot use the database at `url` (unreachable, or not at the newest schema), or None."""
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import SQLAlchemyError

    cfg = Config(str(db.ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(db.ROOT / "alembic"))
    try:
        with db.engine_for(url).connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except SQLAlchemyError as exc:
        return f"cannot open the database (REFLEX_DB_URL): {str(exc.orig or exc).strip().splitlines()[0]}"
    if current != set(ScriptDirectory.from_config(cfg).get_heads()):
        return "the database is not at the newest schema: run `python -m portal_ui.cli migrate` first"
    return None


def cmd_serve(args) -> int:
    """Build and start the portal, print how to open it, and stop the whole server on a signal.

    The server runs in a process group of its own, so that stopping it reaches every process it
    started (the frontend build, Gunicorn and its worker, or Granian's workers) and nothing else.
    SIGTERM, SIGINT (Ctrl+C) and SIGHUP to this launcher, at any moment (the build included), stop
    that group through `stop_process_group`: SIGTERM, then SIGKILL for what is left after 10 s.
    """
    settings = get_settings()
    problem = _database_problem(settings.db_url)
    if problem:
        return _fail(problem)
    port = args.port or settings.port
    env = {**os.environ, "PORT": str(port)}
    cmd = [sys.executable, "-m", "portal_ui.serve", "run", "--env", "prod", "--single-port", "--backend-port", str(port)]
    stop = _StopRequest()
    previous = {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}
    proc = None
    try:
        print(f"building and starting the portal on port {port} (the first build takes about a minute)...",
              flush=True)
        proc = subprocess.Popen(cmd, env=env, start_new_session=True)
        if not _wait_until_up(f"http://127.0.0.1:{port}/ping", proc, stop):
            if stop:
                return 0
            return _fail("the portal did not start; see the output above")
        print("\n" + startup_text(settings), flush=True)
        print("\n  Press Ctrl+C (or send SIGTERM) to stop.\n", flush=True)
        while not stop and proc.poll() is None:
            time.sleep(0.2)
        return 0 if stop else proc.returncode
    finally:
        if proc is not None:
            if stop:
                print(f"stopping the portal ({signal.Signals(stop.signum).name})...", flush=True)
            stop_process_group(proc, timeout=10)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def cmd_webhooks_work(args) -> int:
    """Deliver webhooks until SIGTERM, SIGINT or SIGHUP (or one batch with --once)."""
    import asyncio
    from datetime import timedelta

    from portal_ui.webhooks.worker import Worker

    if not 0 < args.timeout < args.lease or args.poll <= 0:
        return _fail("give --poll above 0 and a --lease longer than --timeout (a live worker must not lose its claim)")
    worker = Worker(get_settings(), lease=timedelta(seconds=args.lease), timeout=args.timeout, poll=args.poll)
    if args.once:
        print(asyncio.run(worker.run_once()), "deliveries attempted", flush=True)
        return 0

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            loop.add_signal_handler(signum, stop.set)
        print("webhook worker started", flush=True)
        await worker.run(stop)

    asyncio.run(main())
    return 0


def cmd_accounts_purge(_args) -> int:
    """Delete every account whose deletion is due; print what was deleted and what is held."""
    from portal_ui.domain.account_deletion import purge_due_accounts

    engine = db.engine_for(get_settings().db_url)
    result = purge_due_accounts(lambda: db.session_scope(engine))
    print(f"{len(result.deleted)} account(s) deleted", *result.deleted, flush=True)
    if result.held:
        print(f"{len(result.held)} account(s) held (last owner of an organization: ownership must be handed over "
              "first):", *result.held, flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal-ui", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="bring the database to the newest schema").set_defaults(func=cmd_migrate)
    seed = sub.add_parser("seed-demo", help="create the demo environment")
    seed.add_argument("--if-empty", action="store_true",
                      help="seed only when the demo is on and the database holds nothing else; otherwise say "
                           "why and do nothing (what make run uses)")
    seed.add_argument("--force", action="store_true",
                      help="seed even when the demo is off or the database holds data of its own")
    seed.set_defaults(func=cmd_seed_demo)
    m2m = sub.add_parser("m2m", help="M2M applications").add_subparsers(dest="m2m_command", required=True)
    create = m2m.add_parser("create", help="create an M2M application")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", nargs="+", required=True, help="scopes, space- or comma-separated")
    create.set_defaults(func=cmd_m2m_create)
    revoke = m2m.add_parser("revoke", help="revoke an M2M application: no new tokens, and its tokens stop working")
    revoke.add_argument("--client-id", dest="client_id", required=True)
    revoke.set_defaults(func=cmd_m2m_revoke)
    scopes = m2m.add_parser("scopes", help="replace an M2M application's scopes (its tokens follow)")
    scopes.add_argument("--client-id", dest="client_id", required=True)
    scopes.add_argument("--scopes", nargs="+", required=True, help="the new scopes, space- or comma-separated")
    scopes.set_defaults(func=cmd_m2m_scopes)
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
    serve = sub.add_parser("serve", help="start the portal and print how to open it")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)
    webhooks = sub.add_parser("webhooks", help="webhook delivery").add_subparsers(dest="webhooks_command",
                                                                                 required=True)
    work = webhooks.add_parser("work", help="deliver webhooks until stopped (SIGTERM, SIGINT or SIGHUP)")
    work.add_argument("--once", action="store_true", help="attempt one batch of due deliveries, then exit")
    work.add_argument("--poll", type=float, default=1.0, help="seconds between looks for due deliveries")
    work.add_argument("--lease", type=float, default=60.0,
                      help="seconds a claimed delivery stays this worker's; after that (the worker died) another "
                           "worker sends it")
    work.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a receiver's answer")
    work.set_defaults(func=cmd_webhooks_work)
    accounts = sub.add_parser("accounts", help="user accounts").add_subparsers(dest="accounts_command", required=True)
    accounts.add_parser("purge", help="delete the accounts whose deletion grace period has ended"
                        ).set_defaults(func=cmd_accounts_purge)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        return _fail(str(exc))


if __name__ == "__main__":
    sys.exit(main())
