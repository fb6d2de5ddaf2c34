"""Whole-table rollup swaps on PostgreSQL: load a bare table, index it once, rename it in.

Loading millions of rows into a table whose indexes are maintained row by row costs several
times more than loading a bare table and building each index once, sorted, afterwards. All of
it is DDL inside the caller's transaction, so a rebuild killed midway rolls back to the old
table, and readers keep reading the old rows until the commit.
"""

from __future__ import annotations

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
        _Index(name=name, definition=constraint_def if is_constraint else index_def,
               constraint=is_constraint, unique=unique)
        for name, index_def, is_constraint, constraint_def, unique in cursor.fetchall()
    ]


def staging_table_swap(cursor, *, table: str, staging: str) -> None:
    """Build ``table``'s indexes on the loaded ``staging`` table, then put it in ``table``'s place.

    Every index (the primary key, the unique bucket key, any added later by a migration) is
    recreated from the catalog's own definition, so the swapped-in table matches the schema the
    migrations built, names included. Needs an ACCESS EXCLUSIVE lock on ``table`` only for the
    drop and renames at the end.
    """
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [_quote(table)])
    (sequence,) = cursor.fetchone()
    renames = []
    for position, index in enumerate(_indexes(cursor, table)):
        temporary = f"{staging[:50]}_{position}"
        if index.constraint:
            cursor.execute(
                f"ALTER TABLE {_quote(staging)} ADD CONSTRAINT {_quote(temporary)} "
                f"{index.definition}"
            )
        else:
            # "CREATE [UNIQUE] INDEX name ON schema.table USING method (...) [WHERE ...]"
            method_onwards = index.definition[index.definition.index(" USING "):]
            unique = "UNIQUE " if index.unique else ""
            cursor.execute(
                f"CREATE {unique}INDEX {_quote(temporary)} ON {_quote(staging)}{method_onwards}"
            )
        renames.append((temporary, index))
    cursor.execute(f"DROP TABLE {_quote(table)}")
    cursor.execute(f"ALTER TABLE {_quote(staging)} RENAME TO {_quote(table)}")
    for temporary, index in renames:
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
    # The planner's statistics now, not at autovacuum's next visit.
    cursor.execute(f"ANALYZE {_quote(table)}")
