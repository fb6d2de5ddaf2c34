"""Whole-table rollup swaps on PostgreSQL: load a bare table, index it once, rename it in.

Loading millions of rows into a table whose indexes are maintained row by row costs several
times more than loading a bare table and building each index once, sorted, afterwards. Only the
swap touches the live table, so readers keep reading the old rows until the swap commits, and a
rebuild killed before then leaves the old table; a staging table it left behind is dropped by
the next staging_table_create.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

STAGING_SUFFIX = "__rebuild"


@dataclass(frozen=True)
class _Index:
    name: str
    definition: str  # pg_get_indexdef, or pg_get_constraintdef when ``constraint``
    constraint: bool
    unique: bool


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def staging_table_create(cursor, *, table: str) -> str:
    """A copy of ``table``'s columns, defaults, identity and checks, without its indexes."""
    staging = f"{table}{STAGING_SUFFIX}"
    cursor.execute(f"DROP TABLE IF EXISTS {_quote(staging)}")
    cursor.execute(
        f"CREATE TABLE {_quote(staging)} (LIKE {_quote(table)} INCLUDING ALL EXCLUDING INDEXES)"
    )
    return staging


def staging_tables_drop(cursor, *, tables: Iterable[str]) -> None:
    for staging in tables:
        cursor.execute(f"DROP TABLE IF EXISTS {_quote(staging)}")


def _indexes(cursor, table: str) -> list[_Index]:
    cursor.execute(
        """
        SELECT index_class.relname, pg_get_indexdef(ix.indexrelid), con.conname IS NOT NULL,
               pg_get_constraintdef(con.oid), ix.indisunique
        FROM pg_index ix
        JOIN pg_class index_class ON index_class.oid = ix.indexrelid
        LEFT JOIN pg_constraint con ON con.conindid = ix.indexrelid AND con.conrelid = ix.indrelid
        WHERE ix.indrelid = %s::regclass
        ORDER BY ix.indisprimary DESC, index_class.relname
        """,
        [_quote(table)],
    )
    return [
        _Index(
            name=name,
            definition=constraint_def if is_constraint else index_def,
            constraint=is_constraint,
            unique=unique,
        )
        for name, index_def, is_constraint, constraint_def, unique in cursor.fetchall()
    ]


def _temporary_index_name(staging: str, position: int) -> str:
    return f"{staging[:50]}_{position}"


def staging_table_index(cursor, *, table: str, staging: str) -> None:
    """Build ``table``'s indexes on the loaded ``staging`` table, under temporary names.

    Every index (the primary key, the unique bucket key, any added later by a migration) is
    recreated from the catalog's own definition, so the swapped-in table matches the schema the
    migrations built. Takes no lock on ``table``: several tables can be indexed at once, on
    separate connections, while readers use the old ones.
    """
    for position, index in enumerate(_indexes(cursor, table)):
        temporary = _temporary_index_name(staging, position)
        if index.constraint:
            cursor.execute(
                f"ALTER TABLE {_quote(staging)} ADD CONSTRAINT {_quote(temporary)} "
                f"{index.definition}"
            )
        else:
            # "CREATE [UNIQUE] INDEX name ON schema.table USING method (...) [WHERE ...]"
            method_onwards = index.definition[index.definition.index(" USING ") :]
            unique = "UNIQUE " if index.unique else ""
            cursor.execute(
                f"CREATE {unique}INDEX {_quote(temporary)} ON {_quote(staging)}{method_onwards}"
            )
    # The planner's statistics now, not at autovacuum's next visit; they stay with the table.
    cursor.execute(f"ANALYZE {_quote(staging)}")


def staging_table_swap(cursor, *, table: str, staging: str) -> None:
    """Put the indexed ``staging`` table in ``table``'s place, index names and sequence too.

    Needs an ACCESS EXCLUSIVE lock on ``table``, held to the end of the caller's transaction.
    """
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [_quote(table)])
    (sequence,) = cursor.fetchone()
    indexes = _indexes(cursor, table)
    cursor.execute(f"DROP TABLE {_quote(table)}")
    cursor.execute(f"ALTER TABLE {_quote(staging)} RENAME TO {_quote(table)}")
    for position, index in enumerate(indexes):
        temporary = _temporary_index_name(staging, position)
        if index.constraint:
            cursor.execute(
                f"ALTER TABLE {_quote(table)} RENAME CONSTRAINT {_quote(temporary)} "
                f"TO {_quote(index.name)}"
            )
        else:
            cursor.execute(f"ALTER INDEX {_quote(temporary)} RENAME TO {_quote(index.name)}")
    if sequence is not None:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [_quote(table)])
        (new_sequence,) = cursor.fetchone()
        old_name = sequence.rsplit(".", 1)[-1].strip('"')
        cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {_quote(old_name)}")
