"""portal_ui.serve: which server `make run` / `make run-scaled` start (REFLEX_USE_GRANIAN), and the
build reuse it installs (portal_ui/reflex_internals/build_reuse.py)."""

from portal_ui.serve import WORKER_CLASS, EmbeddedWorker, choose_server


def test_one_process_by_default_runs_uvicorn_with_the_embedded_worker():
    env = {}
    assert choose_server(env) == "uvicorn"
    assert env["REFLEX_USE_GRANIAN"] == "false"
    assert env["GUNICORN_CMD_ARGS"] == f"--worker-class {WORKER_CLASS}"


def test_the_worker_class_is_importable_by_the_name_gunicorn_is_given():
    from gunicorn.util import load_class

    assert load_class(WORKER_CLASS) is EmbeddedWorker
    assert EmbeddedWorker.CONFIG_KWARGS["ws"] == "wsproto"
    assert EmbeddedWorker.CONFIG_KWARGS["proxy_headers"] is False


def test_scale_out_runs_granian():
    env = {"GRANIAN_WORKERS": "3"}
    assert choose_server(env) == "granian"
    assert env["REFLEX_USE_GRANIAN"] == "true"
    assert "GUNICORN_CMD_ARGS" not in env


def test_an_explicit_choice_wins():
    env = {"GRANIAN_WORKERS": "3", "REFLEX_USE_GRANIAN": "false"}
    assert choose_server(env) == "uvicorn"
    for spelling in ("1", "y", "True"):  # every spelling Reflex itself takes for yes
        assert choose_server({"REFLEX_USE_GRANIAN": spelling}) == "granian", spelling


def test_gunicorn_args_are_kept_and_their_worker_class_wins():
    env = {"GUNICORN_CMD_ARGS": "--timeout 60"}
    choose_server(env)
    assert env["GUNICORN_CMD_ARGS"] == f"--timeout 60 --worker-class {WORKER_CLASS}"
    env = {"GUNICORN_CMD_ARGS": "-k uvicorn_worker.UvicornWorker"}
    choose_server(env)
    assert env["GUNICORN_CMD_ARGS"] == "-k uvicorn_worker.UvicornWorker"


def _web_dir(tmp_path):
    web = tmp_path / ".web"
    (web / "app" / "routes").mkdir(parents=True)
    (web / "app" / "routes" / "profile.jsx").write_text("export default 1")
    (web / "env.json").write_text('{"EVENT": "/_event"}')
    (web / "node_modules").mkdir()
    (web / "node_modules" / ".package-lock.json").write_text("{}")
    (web / "node_modules" / "big.js").write_text("x")
    (web / "reflex.json").write_text('{"version": "0.10.1", "last_reflex_run_datetime": "1"}')
    return web


def test_the_build_inputs_digest_follows_the_compiled_files_only(tmp_path):
    from portal_ui.reflex_internals.build_reuse import build_inputs_digest

    web = _web_dir(tmp_path)
    digest = build_inputs_digest(web, environ={})
    # Not inputs: the build itself, installed files beyond the lock, the time of Reflex's last run.
    (web / "build" / "client").mkdir(parents=True)
    (web / "build" / "client" / "index.html").write_text("<html>")
    (web / "node_modules" / "big.js").write_text("y")
    (web / "reflex.json").write_text('{"version": "0.10.1", "last_reflex_run_datetime": "2"}')
    assert build_inputs_digest(web, environ={}) == digest
    # Inputs: a compiled page, env.json, the package lock, compression formats, the PostCSS switch.
    for change in (lambda: (web / "app" / "routes" / "profile.jsx").write_text("export default 2"),
                   lambda: (web / "env.json").write_text('{"EVENT": "ws://localhost:3001/_event"}'),
                   lambda: (web / "node_modules" / ".package-lock.json").write_text('{"v": 2}')):
        change()
        assert build_inputs_digest(web, environ={}) != digest
        digest = build_inputs_digest(web, environ={})
    (web / "reflex.json").write_text('{"version": "0.10.2", "last_reflex_run_datetime": "2"}')  # an upgrade
    assert build_inputs_digest(web, environ={}) != digest
    digest = build_inputs_digest(web, environ={})
    assert build_inputs_digest(web, ("gzip",), environ={}) != digest
    assert build_inputs_digest(web, environ={"REFLEX_NO_AUTOPREFIXER": "1"}) != digest


def test_reflexs_build_runs_only_when_its_inputs_changed(tmp_path, monkeypatch):
    from reflex.utils import build as reflex_build
    from reflex.utils import prerequisites

    from portal_ui.reflex_internals.build_reuse import BUILD_STAMP, reuse_current_build

    web = _web_dir(tmp_path)
    builds = []

    def fake_build():  # Reflex's build deletes build/ and writes it again
        builds.append(1)
        (web / "build" / "client").mkdir(parents=True, exist_ok=True)

    monkeypatch.setattr(reflex_build, "build", fake_build)
    monkeypatch.setattr(prerequisites, "get_web_dir", lambda: web)
    reuse_current_build()
    reflex_build.build()
    assert len(builds) == 1 and (web / "build" / BUILD_STAMP).exists()
    reflex_build.build()  # another port, a restart: same inputs
    assert len(builds) == 1
    (web / "app" / "routes" / "profile.jsx").write_text("export default 2")  # the app changed
    reflex_build.build()
    assert len(builds) == 2
    reflex_build.build()
    assert len(builds) == 2
    (web / "build" / BUILD_STAMP).unlink()  # a build that never finished leaves no stamp
    reflex_build.build()
    assert len(builds) == 3
