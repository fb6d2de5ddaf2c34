"""Versions of the rollups, per clinic and global, kept in the cache: what readers key on.

A recompute bumps the version of the clinics it touched (a rebuild of everything, the global
one) when it commits; anything built from rollups and cached (the dashboard) keys its entries by
the versions of the clinics it read, so older entries are simply never read again and expire.
Bumping one clinic leaves every other clinic's cached entries warm.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from django.core.cache import cache

VERSION_KEY = "dashboard:rollup-version"
CLINIC_VERSION_KEY = "dashboard:rollup-version:clinic:{}"

logger = logging.getLogger(__name__)


def rollup_versions_bump(clinic_ids: Iterable[int] | None = None) -> None:
    """Give the rollups of these clinics (None: of every clinic) a new version."""
    try:
        if clinic_ids is None:
            cache.set(VERSION_KEY, uuid.uuid4().hex, None)
        else:
            fresh = uuid.uuid4().hex
            cache.set_many({CLINIC_VERSION_KEY.format(pk): fresh for pk in set(clinic_ids)}, None)
    except Exception:  # a cache outage must not fail a rollup rebuild
        logger.warning("rollup version not bumped", exc_info=True)


def rollup_versions(clinic_ids: Iterable[int]) -> str:
    """The global version and each clinic's, in one round trip (two on first use)."""
    keys = [VERSION_KEY, *(CLINIC_VERSION_KEY.format(pk) for pk in sorted(set(clinic_ids)))]
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:  # first use, or evicted: any fresh value makes older entries unreachable
        for key in missing:
            cache.add(key, uuid.uuid4().hex, None)
        found = cache.get_many(keys)
    return ".".join(str(found.get(key, "")) for key in keys)
