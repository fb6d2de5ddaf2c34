"""Exports of responses and scores: streamed CSV, Excel workbooks and background export jobs."""
