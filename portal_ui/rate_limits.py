"""The rate-limit buckets and their default limits.

The limiter (portal_ui.api.throttle) counts against them; the settings (portal_ui.settings) check
that `PORTAL_RATE_LIMITS` names only these buckets. They live here so that reading the settings
needs nothing from the HTTP layer.
"""

from __future__ import annotations

# bucket -> limit.
LIMITS: dict[str, str] = {
    "link:ip": "120/minute",  # link requests with a bad or missing token, per client address
    "link:user": "30/minute",  # links made with a user's token, per user
    "link:client": "600/minute",  # links and previews made by an M2M client, per client
    "redeem:ip": "60/minute",  # redemptions of unknown, used or expired keys, per client address
    "token:ip": "30/minute",  # failed token requests, per client address
    "token:client": "30/minute",  # tokens issued, per M2M client
    "token:fail:client": "30/minute",  # failed token requests naming a client id, per client id
}
