"""Dashboard and export reads on a PostgreSQL read replica, when DATABASE_REPLICA_URL names one.

Reads go to the replica only inside ``replica_reads()`` (the dashboard's figures, an export's
rows), and never inside a transaction on the primary: a read there may need the transaction's
own writes (a rollup recompute, a locked export job). Writes always go to the primary. Access
checks (who may see which clinic) run outside the scope, on the primary, so a revoked
membership is never read back from a lagging replica.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections, router

REPLICA = "replica"

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block go to the replica (when one is configured)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_reads_each[T](steps: Iterable[T]) -> Iterator[T]:
    """``steps`` with each step computed inside replica_reads(), and the caller's own code between
    steps outside it (a generator holding the scope across its yields would lend it to them)."""
    iterator = iter(steps)
    while True:
        with replica_reads():
            try:
                step = next(iterator)
            except StopIteration:
                return
        yield step


def reads_alias() -> str:
    """The alias a raw SQL read here goes to: the one the routers give the ORM."""
    from feedback.models import Response

    return router.db_for_read(Response)


class ReplicaRouter:
    """Installed (settings.DATABASE_ROUTERS) only when a replica is configured."""

    def db_for_read(self, model, **hints) -> str | None:
        if _replica_reads.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return None

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the same rows on both

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
