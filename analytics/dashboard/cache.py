"""The dashboard's cache: built dashboards keyed by their scope and the rollup versions.

Rollup recomputes bump the version of the clinics they touched (analytics.rollups.versions); a
dashboard's key holds the versions of the clinics in its scope, so a submission at one clinic
leaves every other clinic's cached dashboards warm (an invitation sent marks its day's rollups
stale too, so the response rate follows the same path). Entries also expire after CACHE_SECONDS.
A cache outage costs speed, never the page.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from analytics.rollups.versions import rollup_versions

if TYPE_CHECKING:  # no plotly for a cache lookup
    from analytics.dashboard.assembly import Dashboard
    from analytics.dashboard.scope import DashboardScope

CACHE_SECONDS = 600

logger = logging.getLogger(__name__)


def dashboard_cache_key(scope: DashboardScope, *, instrument_key: str) -> str:
    versions = rollup_versions(clinic.id for clinic in scope.clinics)
    digest = hashlib.sha256(f"{instrument_key}|{versions}|{scope!r}".encode()).hexdigest()
    return f"dashboard:{digest}"


def dashboard_cached(
    scope: DashboardScope, *, instrument_key: str, build: Callable[[], Dashboard]
) -> tuple[str | None, Dashboard]:
    """The dashboard of this scope and its cache key (None when the cache is down; the page's
    rendered HTML is cached under the same key by the template's {% cache %} fragment)."""
    try:
        key = dashboard_cache_key(scope, instrument_key=instrument_key)
        found = cache.get(key)
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)
        return None, build()
    if found is not None:
        return key, found
    dashboard = build()
    try:
        cache.set(key, dashboard, CACHE_SECONDS)
    except Exception:
        logger.warning("dashboard not cached", exc_info=True)
    return key, dashboard


class FragmentRedisCache(RedisCache):
    """The "template_fragments" cache, where {% cache %} keeps the dashboard's rendered HTML.

    Django's tag lets any cache error through, so a Redis that went away after the page read
    its key, or is full (maxmemory: writes refused, reads still fine), would turn the page into a
    500. Here it only costs the rendering: a failed read is a miss, a failed write is skipped.
    """

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError:
            logger.warning("dashboard fragment not read from the cache", exc_info=True)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError:
            logger.warning("dashboard fragment not cached", exc_info=True)
