"""Rate limits on link generation, link redemption and the token endpoint (429 in Kinde's envelope).

Who is counted where, so that nobody can use up someone else's allowance:

- Failures are counted per client address (`*:ip`): a bad or missing token at link generation,
  an unknown, used or expired key at `/portal_redirect`, a failed `/oauth2/token` request. Once an
  address is over its limit its failures answer 429. Requests that succeed never count here, so
  many users behind one address (an office, a proxy not listed in PORTAL_TRUSTED_PROXIES) are not
  throttled by a flood of bad requests sharing it: the credential check comes first, and it is
  cheap (a signature check in memory, a SHA-256 and a primary-key lookup; a redemption from an
  address over its limit is first checked read-only).
- Authenticated requests are counted per user or M2M client (`link:user`, `link:client`,
  `token:client`), never per address, and failures never count there.
- Failed `/oauth2/token` requests that name a client are also counted per client id
  (`token:fail:client`), only after its authentication failed: the client's own requests with the
  right secret still get tokens.

Client addresses come from `portal_ui.api.proxies.client_ip` (X-Forwarded-For only from
PORTAL_TRUSTED_PROXIES); IPv6 clients are counted per /64, the smallest network one usually gets.
Counters live in Redis when `REFLEX_REDIS_URL` is set, so every worker shares them; otherwise in
process memory (one worker). The `limits` library does the counting (moving window).
The buckets and their default limits are in portal_ui/rate_limits.py; `PORTAL_RATE_LIMITS`
replaces any of them (settings.py), e.g. for load tests.
"""

from __future__ import annotations

import ipaddress
import logging
from contextlib import asynccontextmanager
from functools import lru_cache

from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from portal_ui.api.errors import ApiError
from portal_ui.api.proxies import client_ip
from portal_ui.rate_limits import LIMITS  # bucket -> default limit
from portal_ui.settings import get_settings

__all__ = ["LIMITS", "address_key", "client_ip", "failures_counted", "is_over", "limit_for", "reset", "throttle"]

log = logging.getLogger("portal_ui.api")



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


def address_key(request: Request) -> str:
    """The key a request's address is counted under: the client address, an IPv6 one as its /64."""
    address = client_ip(request)
    if ":" in address:
        try:
            return str(ipaddress.IPv6Network(f"{address.partition('%')[0]}/64", strict=False))
        except ValueError:
            return address
    return address


def _too_many(item) -> ApiError:
    return ApiError(429, "TOO_MANY_REQUESTS", "Too many requests; please wait a minute and try again.",
                    headers={"Retry-After": str(item.get_expiry())})


async def _ask(operation: str, bucket: str, key: str):
    """(limit item, the limiter's answer to `operation` "hit" or "test"); the answer is None when
    the counter store is unreachable, and the caller lets the request through (logged): a rate
    limit must not take the portal down with Redis."""
    item = parse(limit_for(bucket))
    redis_url = get_settings().redis_url
    call = getattr(_limiter(redis_url), operation)
    try:
        # The synchronous limiter is thread-safe; Redis calls must not block the event loop, while
        # in-memory counting takes microseconds (a worker thread would cost more than the count).
        allowed = await run_in_threadpool(call, item, bucket, key[:256]) if redis_url else call(item, bucket, key[:256])
    except Exception:  # pragma: no cover - depends on Redis being down
        log.warning("rate-limit store unavailable; not throttling %s", bucket, exc_info=True)
        return item, None
    return item, allowed


async def is_over(bucket: str, key: str) -> bool:
    """True when `key` has used up `bucket` (nothing is counted); False if the counter store is down."""
    _item, allowed = await _ask("test", bucket, key)
    return allowed is False


async def throttle(bucket: str, key: str) -> None:
    """Count one hit of `key` in `bucket`; ApiError 429 (with Retry-After) when over the limit.

    If the counter store is unreachable the request goes through (and the failure is logged).
    """
    item, allowed = await _ask("hit", bucket, key)
    if allowed is False:
        raise _too_many(item)


@asynccontextmanager
async def failures_counted(bucket: str, key: str, *, codes: tuple[str, ...] = ("INVALID_CREDENTIALS",)):
    """Around a credential check: when it refuses the caller (an ApiError with one of `codes`),
    count one failure of `key` in `bucket`, answering 429 instead once `key` is over the limit."""
    try:
        yield
    except ApiError as exc:
        if exc.code in codes:
            await throttle(bucket, key)
        raise


def reset() -> None:
    """Start from fresh in-memory counters (tests; Redis counters expire on their own)."""
    _limiter.cache_clear()
