"""Export file formats as one table, {format: ExportFormat}: which exports each can hold, its
content type, and how a file of it is written. The job, the small download and the form all
read this table instead of branching on the format themselves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from analytics.exports.csv_writer import csv_encoded, csv_header
from analytics.exports.responses import response_columns, response_csv_chunks
from analytics.exports.scores import SCORE_COLUMNS, score_rows, scores_workbook_write
from analytics.models import ExportJob
from analytics.read_replica import replica_reads_each

if TYPE_CHECKING:
    from analytics.exports.services import ExportRequest

SCORE_ROWS_PER_CHUNK = 1000
Progress = Callable[[int], None]  # called with the rows written so far


def export_chunks(
    *, export: ExportRequest, chunk_rows: int | None = None
) -> Iterator[tuple[int, bytes]]:
    """(rows, bytes) of a CSV export, header first (0 rows); one chunk in memory at a time.

    Read from the replica when there is one; the caller's writes between chunks (progress) are not.
    """
    return replica_reads_each(_export_chunks(export=export, chunk_rows=chunk_rows))


def _export_chunks(
    *, export: ExportRequest, chunk_rows: int | None = None
) -> Iterator[tuple[int, bytes]]:
    chunk_rows = chunk_rows or settings.EXPORT_CHUNK_ROWS
    if export.kind == ExportJob.Kind.RESPONSES:
        columns = response_columns(comments=export.comments, full_precision=export.full_precision)
        yield 0, csv_header(columns.header, bom=export.bom)
        yield from response_csv_chunks(where=export.where, columns=columns, chunk_rows=chunk_rows)
        return
    yield 0, csv_header(SCORE_COLUMNS, bom=export.bom)
    chunk: list[list[Any]] = []
    for row in score_rows(
        where=export.where, granularity=export.granularity, full_precision=export.full_precision
    ):
        chunk.append(row)
        if len(chunk) >= min(chunk_rows, SCORE_ROWS_PER_CHUNK):
            yield len(chunk), csv_encoded(chunk)
            chunk = []
    if chunk:
        yield len(chunk), csv_encoded(chunk)


def _csv_file_write(
    *, export: ExportRequest, path: Path, progress: Progress, chunk_rows: int | None = None
) -> int:
    done = 0
    with path.open("wb") as out:
        for rows, data in export_chunks(export=export, chunk_rows=chunk_rows):
            out.write(data)
            done += rows
            progress(done)
    return done


def _xlsx_file_write(
    *, export: ExportRequest, path: Path, progress: Progress, chunk_rows: int | None = None
) -> int:
    def counted(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
        for done, row in enumerate(rows, start=1):
            if done % SCORE_ROWS_PER_CHUNK == 0:
                progress(done)
            yield row

    rows = replica_reads_each(
        score_rows(
            where=export.where,
            granularity=export.granularity,
            full_precision=export.full_precision,
        )
    )
    return scores_workbook_write(rows=counted(rows), path=path)


@dataclass(frozen=True)
class ExportFormat:
    content_type: str
    kinds: tuple[str, ...]  # the exports (ExportJob.Kind) this format can hold
    # Writes the export's file at path; returns the rows written.
    file_write: Callable[..., int]
    # A small download is streamed from export_chunks; otherwise it is written to a temporary
    # file first (a workbook is only whole once saved).
    streamed: bool


EXPORT_FORMATS: dict[str, ExportFormat] = {
    ExportJob.FileFormat.CSV: ExportFormat(
        content_type="text/csv; charset=utf-8",
        kinds=(ExportJob.Kind.RESPONSES, ExportJob.Kind.SCORES),
        file_write=_csv_file_write,
        streamed=True,
    ),
    ExportJob.FileFormat.XLSX: ExportFormat(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        kinds=(ExportJob.Kind.SCORES,),
        file_write=_xlsx_file_write,
        streamed=False,
    ),
}
