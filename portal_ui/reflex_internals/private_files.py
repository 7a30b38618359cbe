"""Reflex's state files readable by the portal's own user only.

Without REFLEX_REDIS_URL, Reflex's disk state manager pickles every tab's state into
REFLEX_STATES_WORKDIR (`.states/` by default), creating files and folder with the process umask:
usually 0644 and 0755, readable by every local user. Nothing secret belongs in that state (see
portal_ui.session_cookie and the API key reveal in portal_ui.ui.state.api_keys), but it still
holds who uses the portal and what they look at. So the server process creates files 0600 and
folders 0700 (umask 077), and a state folder left by an earlier run is closed up the same way.

Reflex 0.10.1 assumptions: `reflex.utils.prerequisites.get_states_dir()` is the disk state
manager's folder, its files are `*.pkl` directly inside it, and `rx.App(...)` creates the folder
(so the umask must be set before the app is made).
"""

from __future__ import annotations

import os

from reflex.utils.prerequisites import get_states_dir

PRIVATE_UMASK = 0o077


def keep_state_files_private() -> None:
    """Call before `rx.App(...)`, which creates the state manager and its folder."""
    os.umask(PRIVATE_UMASK)
    folder = get_states_dir()
    try:
        if folder.is_dir():
            folder.chmod(0o700)
            for path in folder.glob("*.pkl"):
                path.chmod(0o600)
    except OSError:  # another user's folder: Reflex will say so when it writes there
        pass
