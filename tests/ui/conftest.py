"""Browser tests: the real app (`reflex run --env prod`, one port) driven by Chromium.

One server per test session, plus module-scoped ones for tests that need other settings (a tight
rate limit, scale-out), each with its own database and signing key, migrated and seeded with the
demo. Timeouts are tested on the main server by moving times back in its database.

Every server builds into the checkout's one .web/ folder. The build names no port (pages reach
the backend on their own origin: portal_ui/reflex_internals/same_origin.py), so servers on several ports run
side by side on it. A file lock is held while a server builds and starts (until it answers
/ping), so two builds never overlap, in this test run or in another one in the same checkout.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest
from playwright.sync_api import expect

from portal_ui.domain.audit import Actor
from portal_ui.domain.links import create_link
from portal_ui.process_group import stop_process_group
from portal_ui.reflex_internals.build_reuse import BUILD_STAMP
from tests.dns_server import TxtRecords, serve_dns
from tests.ui.portal_db import domain_session
from tests.ui.helpers import ALL_SCREENSHOTS, RETURN_URL, artifact_path, review_shot

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Outside the checkout (nothing to ignore in git), one per checkout.
BUILD_LOCK = Path(tempfile.gettempdir()) / f"portal_ui-web-{hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]}.lock"
START_TIMEOUT = 600

# How long an `expect(...)` waits for the page (Playwright's default is 5 s): a change made through
# Stripe (several calls to the fake, each a request) on a busy two-core CI machine can take longer.
# Only a failing expectation waits this long.
expect.set_options(timeout=10_000)

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run",
]


def _npm_registry() -> dict[str, str]:
    """NPM_CONFIG_REGISTRY from the environment, else the registry the venv's npm is set up for (as
    the Makefile does): given, Reflex skips probing a mirror. Empty when npm cannot say."""
    if os.environ.get("NPM_CONFIG_REGISTRY"):
        return {"NPM_CONFIG_REGISTRY": os.environ["NPM_CONFIG_REGISTRY"]}
    venv_bin = Path(sys.executable).parent
    try:
        result = subprocess.run([str(venv_bin / "npm"), "config", "get", "registry"], capture_output=True, text=True,
                                timeout=60, env={**os.environ, "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}"})
    except (OSError, subprocess.TimeoutExpired):
        return {}
    registry = result.stdout.strip()
    return {"NPM_CONFIG_REGISTRY": registry} if result.returncode == 0 and registry.startswith("http") else {}


REFLEX_ENV = {
    "REFLEX_USE_NPM": "1",
    "REFLEX_TELEMETRY_ENABLED": "false",
    "REFLEX_CHECK_LATEST_VERSION": "0",
    "REFLEX_HTTP_CLIENT_BIND_ADDRESS": "0.0.0.0",
    **_npm_registry(),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Portal:
    """A running portal: its base URL and the environment its CLI commands need."""

    url: str
    env: dict
    log: Path
    pid: int = 0  # the server process; its children are the Granian workers
    stripe_url: str = ""  # the fake Stripe (localstripe) it bills through, when PORTAL_BILLING_PROVIDER=stripe

    @property
    def provider(self) -> str:
        """The billing provider the portal runs with: "test" or "stripe"."""
        return self.env.get("PORTAL_BILLING_PROVIDER", "test")

    def cli(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "portal_ui.cli", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"portal_ui.cli {' '.join(args)} failed: {result.stderr}")
        return result.stdout.strip()

    def link(self, user: str, org: str | None = None, sub_nav: str | None = None) -> str:
        """A fresh one-time link, made in this process on the portal's database by the domain call
        `portal_ui.cli link` makes (tests/test_cli.py covers the command itself): a command per link
        would cost each test a Python start-up."""
        with domain_session(self) as (session, settings):
            return create_link(session, settings, user_id=user, org_code=org, sub_nav=sub_nav,
                               actor=Actor.system("cli"))


_lock_held_here = False


@contextmanager
def _build_lock() -> Iterator[None]:
    """Held while a server builds .web/ and starts (run_portal), or for a whole server's life by a
    test that wants no build to run meanwhile.

    flock does not nest within one process: a portal started inside this block by the same test
    process would wait for it forever, so that is an error at once, naming the cause."""
    global _lock_held_here
    if _lock_held_here:
        raise RuntimeError("this test process already holds the .web/ build lock: start the portal "
                           "outside the `_build_lock()` block")
    with open(BUILD_LOCK, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _lock_held_here = True
        try:
            yield
        finally:
            _lock_held_here = False
            fcntl.flock(handle, fcntl.LOCK_UN)


def _wait_for_ping(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the portal exited with {proc.returncode}; see {log}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the portal did not answer /ping within {START_TIMEOUT}s; see {log}")


def server_environment(tmp: Path, port: int, **extra: str) -> dict:
    """The environment of a portal server of a test, in `tmp` on `port`: its own database, signing key
    and state files, and nothing of the caller's portal, make or worker settings."""
    venv_bin = str(Path(sys.executable).parent)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PORTAL_", "MAKE", "MFLAGS"))
           and key not in ("REFLEX_DB_URL", "REFLEX_REDIS_URL", "PORT", "REFLEX_STATES_WORKDIR", "GRANIAN_WORKERS")}
    env.update(REFLEX_ENV)
    env.update({
        "PATH": f"{venv_bin}:{env.get('PATH', '')}",
        "REFLEX_DB_URL": f"sqlite:///{tmp / 'portal.db'}",
        # Its own state files: a run neither inherits nor leaves behind the disk state manager's
        # files (it scans all of them every cycle, so they would slow later runs).
        "REFLEX_STATES_WORKDIR": str(tmp / "states"),
        "PORTAL_SIGNING_KEY_PATH": str(tmp / "key.pem"),
        "PORT": str(port),
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
        **extra,
    })
    return env


@contextmanager
def run_portal(tmp: Path, *, rebuild: bool = False, **extra_env: str) -> Iterator[Portal]:
    """Migrate, seed and start a portal in `tmp`; stop its whole process group afterwards.

    `rebuild` makes the start build the frontend even when the build is current: the build's stamp
    goes while the build lock is held, so no other test process's start can make the build anew meanwhile."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = server_environment(tmp, port, PORTAL_DEFAULT_RETURN_URL=RETURN_URL,
                             PORTAL_ALLOWED_RETURN_ORIGINS="https://app.example", **extra_env)
    portal = Portal(url=url, env=env, log=tmp / "reflex.log")
    portal.cli("migrate")
    portal.cli("seed-demo")
    proc = None
    try:
        with _build_lock():  # the build and the start; the server then runs beside any other
            if rebuild:  # without its stamp the build counts as unfinished (portal_ui/reflex_internals/build_reuse.py)
                (ROOT / ".web" / "build" / BUILD_STAMP).unlink(missing_ok=True)
            with open(portal.log, "w") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "portal_ui.serve", "run", "--env", "prod", "--single-port",
                     "--backend-port", str(port)],
                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                )
            portal.pid = proc.pid
            _wait_for_ping(url, proc, portal.log)
        yield portal
    finally:
        if proc is not None:
            stop_process_group(proc)
    # The browser reports frontend exceptions to the server's log; a Content-Security-Policy
    # violation there means some part of the UI silently does not work.
    log_text = portal.log.read_text(errors="replace")
    assert "Content Security Policy" not in log_text, f"CSP violation in the browser; see {portal.log}"
    # The server's deprecations, as tests/conftest.py and pytest.ini make the test process's errors:
    # Reflex logs them ("... has been deprecated in version ..."), Python prints "DeprecationWarning".
    deprecations = [line for line in log_text.splitlines() if "has been deprecated" in line or "DeprecationWarning" in line]
    assert deprecations == [], f"the server reported deprecations (see {portal.log}):\n" + "\n".join(deprecations)


# The compile runs in a child process: Reflex's compile keeps global state (registries, the config, the
# environment mode) that the rest of the test session must not inherit.
COMPILE = r"""
import os, shutil, warnings
from pathlib import Path

warnings.filterwarnings("error", category=DeprecationWarning, module="reflex")
from reflex_base import constants

web = Path(os.environ["REFLEX_WEB_WORKDIR"])
shutil.copytree(constants.Templates.Dirs.WEB_TEMPLATE, web)

from reflex.app import App
from reflex.utils import build, prerequisites

App._get_frontend_packages = lambda self, imports: None  # no npm install: nothing here reads node_modules
prerequisites.get_compiled_app(use_rich=False)
build.set_env_json()
"""


@pytest.fixture(scope="session")
def compiled_app(tmp_path_factory) -> SimpleNamespace:
    """The app compiled once, as `reflex run --env prod` compiles it, into a temp folder (not the
    checkout's .web/, which the portal fixtures build and serve): `web` is the compiled folder,
    `output` what the compile printed. No npm install and no Vite build: for tests that read the
    compiled sources only (tests/ui/test_reflex_internals.py)."""
    tmp = tmp_path_factory.mktemp("compiled_app")
    web = tmp / "web"
    venv_bin = str(Path(sys.executable).parent)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PORTAL_", "REFLEX_", "GRANIAN_"))}
    env.update({
        "PATH": f"{venv_bin}:{env.get('PATH', '')}",
        "REFLEX_WEB_WORKDIR": str(web),
        "REFLEX_ENV_MODE": "prod",
        "REFLEX_STATES_WORKDIR": str(tmp / "states"),
        "REFLEX_DB_URL": f"sqlite:///{tmp / 'portal.db'}",
        "PORTAL_SIGNING_KEY_PATH": str(tmp / "key.pem"),
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "0",
    })
    done = subprocess.run([sys.executable, "-c", COMPILE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"compiling the app failed:\n{output[-4000:]}"
    return SimpleNamespace(web=web, output=output)


@pytest.fixture(scope="session")
def dns_server() -> Iterator[tuple[TxtRecords, tuple[str, int]]]:
    """A local DNS server (dnslib, a thread of this test process) that the shared portal verifies
    domains with: tests publish TXT records on it (tests/dns_server.py). Nothing asks real DNS."""
    yield from serve_dns()


@pytest.fixture
def dns_records(dns_server) -> TxtRecords:
    """The shared DNS server's records, emptied for this test."""
    records, _address = dns_server
    records.clear()
    return records


@pytest.fixture(scope="session")
def portal(tmp_path_factory, dns_server) -> Iterator[Portal]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is missing: install Debian's chromium package (`make chromium`)")
    host, port = dns_server[1]
    with run_portal(tmp_path_factory.mktemp("portal"), PORTAL_DNS_RESOLVER=f"{host}:{port}") as running:
        yield running


@pytest.fixture(scope="session")
def stripe_portal(tmp_path_factory) -> Iterator[Portal]:
    """A portal with PORTAL_BILLING_PROVIDER=stripe, billing through a localstripe of its own on
    loopback (tests/billing/localstripe_server.py), with the demo's Acme on Pro (monthly) paid with
    a Visa ending 4242, set up through Stripe (tests/ui/billing_world.py `seed_acme_on_stripe`).
    One per test process, shared by the billing modules' Stripe runs (`billing_portal`)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is missing: install Debian's chromium package (`make chromium`)")
    from tests.billing.conftest import STRIPE_PUBLISHABLE, STRIPE_SECRET, STRIPE_WEBHOOK_SECRET
    from tests.billing.localstripe_server import running
    from tests.ui.billing_world import seed_acme_on_stripe

    with running() as stripe_url, run_portal(
            tmp_path_factory.mktemp("stripe_portal"), PORTAL_BILLING_PROVIDER="stripe",
            STRIPE_SECRET_KEY=STRIPE_SECRET, STRIPE_PUBLISHABLE_KEY=STRIPE_PUBLISHABLE,
            STRIPE_WEBHOOK_SECRET=STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE=stripe_url) as running_portal:
        running_portal.stripe_url = stripe_url
        seed_acme_on_stripe(running_portal)
        yield running_portal


@pytest.fixture(scope="session", params=["test", "stripe"])
def billing_portal(request) -> Portal:
    """The billing browser suite's portal, once per provider: the shared portal with the built-in
    test provider, then `stripe_portal`. A billing test asks for this instead of `portal` and runs
    against both."""
    return request.getfixturevalue("portal" if request.param == "test" else "stripe_portal")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the tests of the tight-rate-limit portal, then those of the scaled portal, then the rest.

    Portals run side by side without harm; this keeps few of them running at once (each is a
    server with its own workers on a small machine). trylast: pytest's own reordering by fixture scope runs before this one and would
    otherwise split a module's tests around the session-wide portal, starting a module-scoped
    portal twice."""
    def rank(item) -> int:
        names = getattr(item, "fixturenames", ())
        if "tight_portal" in names:
            return 0
        if "scaled_portal" in names:
            return 1
        return 2

    items.sort(key=rank)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def context(context):
    """Every test's browser context answers for the host app (https://app.example) itself."""
    context.set_default_timeout(15_000)
    context.route("https://app.example/**", lambda route: route.fulfill(
        status=200, content_type="text/html",
        body="<!doctype html><title>Host app</title><h1 id='host-app'>Back in the host app</h1>"))
    return context


@pytest.fixture
def shot(page, request):
    """`shot(name)` saves a full-page screenshot of the test's page now, under tests/artifacts/ui/,
    when PORTAL_TEST_SCREENSHOTS=1; otherwise it does nothing and returns the path it would use."""

    def take(name: str = "") -> Path:
        return review_shot(page, request, name)

    return take


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item, for `final_screenshot`."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(autouse=True)
def final_screenshot(request):
    """A browser test that fails leaves a screenshot of how its page ended (with
    PORTAL_TEST_SCREENSHOTS=1, every browser test does)."""
    page = request.getfixturevalue("page") if "page" in request.fixturenames else None
    yield
    report = getattr(request.node, "report_call", None)
    failed = report is None or report.failed
    if page is not None and not page.is_closed() and (failed or ALL_SCREENSHOTS):
        try:
            page.screenshot(path=str(artifact_path(request, "end")), full_page=True)
        except Exception:  # noqa: BLE001 - a screenshot must not turn a result into an error
            pass
