"""Rate limits on link generation, link redemption and the token endpoint (429 in Kinde's envelope).

Counters live in Redis when `REFLEX_REDIS_URL` is set, so every worker shares them; otherwise in
process memory (one worker). The `limits` library does the counting (moving window).
`PORTAL_RATE_LIMITS` replaces any of the limits below (settings.py), e.g. for load tests or many
users behind one proxy address.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from portal_ui.api.errors import ApiError
from portal_ui.settings import get_settings

log = logging.getLogger("portal_ui.api")

# bucket -> limit. Per client IP and, where there is one, per user or M2M client.
LIMITS: dict[str, str] = {
    "link:ip": "120/minute",
    "link:user": "30/minute",
    "link:client": "600/minute",
    "redeem:ip": "60/minute",
    "token:ip": "30/minute",
    "token:client": "30/minute",
}


@lru_cache(maxsize=4)
def _limiter(redis_url: str | None) -> MovingWindowRateLimiter:
    if redis_url:
        storage = storage_from_string(redis_url)
    else:
        storage = MemoryStorage()
    return MovingWindowRateLimiter(storage)


def limit_for(bucket: str) -> str:
    """The bucket's limit: PORTAL_RATE_LIMITS' value if it names the bucket, else the default."""
    return dict(get_settings().rate_limits).get(bucket, LIMITS[bucket])


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def throttle(bucket: str, key: str) -> None:
    """Count one hit of `key` in `bucket`; ApiError 429 (with Retry-After) when over the limit.

    If the counter store is unreachable the request goes through (and the failure is logged):
    a rate limit must not take the portal down with Redis.
    """
    item = parse(limit_for(bucket))
    redis_url = get_settings().redis_url
    limiter = _limiter(redis_url)
    try:
        # The synchronous limiter is thread-safe; Redis calls must not block the event loop, while
        # in-memory counting takes microseconds (a worker thread would cost more than the count).
        allowed = await run_in_threadpool(limiter.hit, item, bucket, key[:256]) if redis_url \
            else limiter.hit(item, bucket, key[:256])
    except Exception:  # pragma: no cover - depends on Redis being down
        log.warning("rate-limit store unavailable; not throttling %s", bucket, exc_info=True)
        return
    if not allowed:
        raise ApiError(429, "TOO_MANY_REQUESTS", "Too many requests; please wait a minute and try again.",
                       headers={"Retry-After": str(item.get_expiry())})


def reset() -> None:
    """Start from fresh in-memory counters (tests; Redis counters expire on their own)."""
    _limiter.cache_clear()
