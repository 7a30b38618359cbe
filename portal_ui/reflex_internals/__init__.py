"""Everything the portal relies on in Reflex (0.10.1) and Granian (2.8) beyond their documented API.

Each module here holds one piece of that reliance and its docstring names the exact assumption:
a private attribute or function, template text that gets patched, a key of `.web/env.json`, a
path in the compiled or built frontend, or a patched class. The rest of the portal imports these
modules instead of reaching into `reflex`, `reflex_base` or `granian` itself.

- `static_styles`: literal component styles compiled to `.web/styles/portal_static.css` (compiler hooks).
- `lean_bundle`: no component library imported whole by the app root (`reset_bundled_libraries`).
- `lean_styles` + `radix_prune.cjs`: a PostCSS step patched into `postcss.config.js`.
- `same_origin`: `getBackendURL` patched in `utils/state.js`; env.json endpoints as paths.
- `page_modules`: one memo-components module per section page (`page.__module__`).
- `connect_events`: the events a (re)connecting tab sends first (hydrate).
- `socket_headers`: the credential headers Reflex copies from the websocket into router data.
- `private_files`: where the disk state manager keeps its files.
- `endpoints`: Reflex's upload endpoint path (`/_upload`).
- `build_layout`: where the production build puts the pages and their hashed assets.
- `build_reuse`: a wrapper around Reflex's frontend `build()`.
- `granian_respawn`: Granian's `Server` told to respawn failed workers.

Submodules are imported one by one (this file imports none): several import Reflex's compiler or
the app's state, which the rest need not load.

`tests/ui/test_reflex_internals.py` compiles the app once, without a browser or a server, and
checks each assumption; when it fails after an upgrade, its message names the module to update.
"""
