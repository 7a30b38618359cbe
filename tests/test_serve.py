"""portal_ui.serve: which server `make run` / `make run-scaled` start (REFLEX_USE_GRANIAN)."""

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
