"""Benchmark 1, link to first content: from navigating to a fresh one-time link to the section's data
on screen, in headless Chromium, beside the same measurement for a bare Reflex page (the floor).

- Portal: Olivia's link to her profile (`/portal_redirect?key=…` → 303 → `/profile`, websocket,
  hydrate, on_load re-checking the session in the database); done when `#profile-email` reads
  "olivia@acme.example" (the profile section's own data).
- Floor: bench/floor_app, one page whose on_load sets one var, built and served the same way
  (`python -m portal_ui.serve run --env prod --single-port`: the same launcher, so the same
  server); done when `#data` reads "ready".

Where a load starts:
- From the host app (the target's figure): a user follows the link from a page of the product
  that embeds the portal, on another site (a tiny page served here on `localhost`; the portal and
  the floor are on `127.0.0.1`). The browser moves to a new renderer process for the other site,
  for the floor as for the portal.
- From a blank tab (beside it, for reference): the link opened in a new tab's initial
  `about:blank`. The floor reuses that tab's renderer; the portal cannot, because its
  `Cross-Origin-Opener-Policy: same-origin` (portal_ui/api/security_headers.py) puts it in a browsing
  context group of its own, and Chromium starts a new renderer process for it. Real users never
  start there: a link from the host app, an email or the address bar is a navigation from another
  site or from the browser's new-tab page, and changes process either way.

Each load is a fresh browser context (no cookies, session storage or HTTP cache: a user opening
the link for the first time). The browser times it itself: an init script's MutationObserver notes
`performance.now()` when the text appears, and a document's clock starts at the navigation's
start (the click on the host page, or the blank tab's navigation), before the redirect. Loads
alternate portal/floor and both starts so all see the same background load. Links are made
in-process against the portal's database, untimed.
"""

from __future__ import annotations

import fcntl
import hashlib
import http.server
import os
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from bench.common import (CHROMIUM, CHROMIUM_ARGS, REFLEX_ENV, ROOT, Result, Row, free_port, portal_engine,
                          portal_settings, python, quick_mode, run_portal, stats, wait_for_http)
from portal_ui.process_group import stop_process_group

NAME = "link_to_content"
TITLE = "Link to first content"
FLOOR_DIR = ROOT / "bench" / "floor_app"
LINKS = 50
WARMUP = 3
TARGET_RATIO = 1.5
# The limiter would otherwise turn the later links of a run into 429s (redeem:ip is 60/minute).
BENCH_LIMITS = "redeem:ip=1000000/minute"
HOST_PAGE = b"""<!doctype html><html lang="en"><title>Host app</title>
<a id="open-portal" href="about:blank">Manage your account</a></html>"""

# Notes when an element first shows the expected text, relative to the navigation's start.
WATCH = """
(() => {
  const watch = %s;
  const check = () => {
    const el = document.querySelector(watch.selector);
    if (el && el.textContent === watch.text && window.__firstContent === undefined) {
      window.__firstContent = performance.now();
      return true;
    }
    return false;
  };
  const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
  observer.observe(document, {childList: true, subtree: true, characterData: true});
})();
"""
TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return {content: window.__firstContent, redirect: nav.redirectEnd, response: nav.responseEnd,
          dom_content_loaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd};
}"""


@dataclass
class FloorServer:
    """A running floor app: its base URL and the server process (its children: the server's workers)."""

    url: str
    pid: int


@contextmanager
def run_floor(tmp: Path) -> Iterator[str]:
    """Build and serve bench/floor_app like the portal; its own .web/, locked while it runs."""
    with run_floor_server(tmp) as server:
        yield server.url


@contextmanager
def run_floor_server(tmp: Path, **extra_env: str) -> Iterator[FloorServer]:
    """run_floor, yielding the server's pid too (bench/connected_sessions.py reads its memory)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PORTAL_") and k not in ("REFLEX_DB_URL", "REFLEX_REDIS_URL", "PORT")}
    env.update(REFLEX_ENV)
    env["REFLEX_STATES_WORKDIR"] = str(tmp / "floor-states")  # fresh, like the portal's
    env["PATH"] = f"{Path(python()).parent}:{env.get('PATH', '')}"
    env.update(extra_env)
    # Started by the portal's own launcher (portal_ui/serve.py), so it runs on the same server.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (env.get("PYTHONPATH"), str(ROOT))))
    lock_path = Path(tempfile.gettempdir()) / f"portal_ui-floor-{hashlib.sha256(str(FLOOR_DIR).encode()).hexdigest()[:12]}.lock"
    log_path = tmp / "floor.log"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with open(log_path, "w") as log:
            proc = subprocess.Popen([python(), "-m", "portal_ui.serve", "run", "--env", "prod", "--single-port",
                                     "--backend-port", str(port)],
                                    cwd=FLOOR_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for_http(f"{url}/ping", proc, log_path)
            yield FloorServer(url, proc.pid)
        finally:
            stop_process_group(proc)


class _HostPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(HOST_PAGE)))
        self.end_headers()
        self.wfile.write(HOST_PAGE)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def host_app() -> Iterator[str]:
    """A page of the host app, on another site than the portal (`localhost`, not `127.0.0.1`)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HostPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _load(browser, url: str, selector: str, text: str, host: str | None = None) -> dict:
    """Open `url` in a fresh context, by a click on the `host` page if given, else from a blank tab;
    the browser's own timings (ms from the navigation's start)."""
    import json

    context = browser.new_context()
    try:
        context.add_init_script(WATCH % json.dumps({"selector": selector, "text": text}))
        page = context.new_page()
        if host:
            page.goto(host)
            page.eval_on_selector("#open-portal", "(a, url) => { a.href = url; }", url)
            started = time.perf_counter()
            page.click("#open-portal", no_wait_after=True)
            page.wait_for_url(lambda current: not current.startswith(host), wait_until="commit")
        else:
            started = time.perf_counter()
            page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.__firstContent !== undefined", timeout=30_000)
        wall = (time.perf_counter() - started) * 1000
        timings = page.evaluate(TIMINGS)
        timings["wall"] = wall
        return timings
    finally:
        context.close()


def run() -> Result:
    from playwright.sync_api import sync_playwright

    from portal_ui.db import session_scope
    from portal_ui.demo.personas import DEMO_ORG_CODE
    from portal_ui.domain.audit import Actor
    from portal_ui.domain.links import create_link

    links = 6 if quick_mode() else LINKS
    started = time.monotonic()
    starts = ("host", "blank")
    times: dict[tuple[str, str], list[dict]] = {(kind, where): [] for kind in ("portal", "floor") for where in starts}
    with tempfile.TemporaryDirectory(prefix="bench-link-") as tmp:
        tmp_path = Path(tmp)
        with (host_app() as host_url, run_floor(tmp_path) as floor_url,
              run_portal(tmp_path, PORTAL_RATE_LIMITS=BENCH_LIMITS) as portal):
            settings = portal_settings(portal)
            engine = portal_engine(portal)
            actor = Actor(type="m2m", id="bench")

            def fresh_link() -> str:
                with session_scope(engine) as db:
                    return create_link(db, settings, user_id="kp_demo_olivia", org_code=DEMO_ORG_CODE,
                                       sub_nav="profile", actor=actor)

            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    for i in range(WARMUP + links):
                        # Every kind and start takes each place in the order in turn.
                        order = [(kind, where) for where in starts for kind in ("portal", "floor")]
                        order = order[i % 4:] + order[:i % 4]
                        for kind, where in order:
                            host = host_url if where == "host" else None
                            if kind == "portal":
                                timing = _load(browser, fresh_link(), "#profile-email", "olivia@acme.example", host)
                            else:
                                timing = _load(browser, floor_url + "/", "#data", "ready", host)
                            if i >= WARMUP:
                                times[kind, where].append(timing)
                finally:
                    browser.close()
            engine.dispose()

    def part(kind: str, where: str, key: str) -> dict:
        return stats([t[key] for t in times[kind, where] if t.get(key)])

    rows: list[Row] = []
    details: dict = {"links": links, "warmup": WARMUP, "rate_limits": BENCH_LIMITS}
    for where, label in (("host", ""), ("blank", ", from a blank tab")):
        p, f = part("portal", where, "content"), part("floor", where, "content")
        ratio, ratio_p95 = p["median"] / f["median"], p["p95"] / f["p95"]
        rows += [
            Row(f"portal: link → profile data{label}", "ms", p["median"], p["p95"], n=p["n"]),
            Row(f"floor: bare Reflex page + on_load{label}", "ms", f["median"], f["p95"], n=f["n"]),
            Row(f"ratio portal / floor{label}", "×", ratio, ratio_p95,
                **({"target": f"≤ {TARGET_RATIO}×", "met": ratio <= TARGET_RATIO} if where == "host" else {})),
        ]
        prefix = "" if where == "host" else "blank_tab_"
        details.update({
            f"{prefix}portal_ms": p, f"{prefix}floor_ms": f, f"{prefix}ratio": ratio,
            f"{prefix}portal_wall_ms": part("portal", where, "wall"),
            f"{prefix}floor_wall_ms": part("floor", where, "wall"),
            f"{prefix}portal_redirect_end_ms": part("portal", where, "redirect"),
            f"{prefix}portal_response_end_ms": part("portal", where, "response"),
            f"{prefix}floor_response_end_ms": part("floor", where, "response"),
            f"{prefix}portal_dom_content_loaded_ms": part("portal", where, "dom_content_loaded"),
            f"{prefix}floor_dom_content_loaded_ms": part("floor", where, "dom_content_loaded"),
        })
    return Result(NAME, TITLE, rows, details, time.monotonic() - started)
