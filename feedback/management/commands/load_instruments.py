"""Load the shipped instrument definitions, or given definition files, into the database."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from feedback.instrument_definition import InstrumentDefinitionError, load_definition_file
from feedback.services import INSTRUMENTS_DIR, instrument_load


class Command(BaseCommand):
    help = "Load instrument definition files (default: every file in feedback/instruments/)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path)

    def handle(self, *args, files, **options):
        for path in files or sorted(INSTRUMENTS_DIR.glob("*.json")):
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            try:
                load_definition_file(path)
                instrument, created = instrument_load(
                    raw=json.loads(path.read_text(encoding="utf-8"))
                )
            except InstrumentDefinitionError as exc:
                raise CommandError(f"{path}: {exc}") from None
            verb = "Loaded" if created else "Already loaded"
            self.stdout.write(f"{verb}: {instrument.slug} v{instrument.version} ({path.name})")
