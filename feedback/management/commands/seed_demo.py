"""Fill an empty database with a year of realistic demo feedback and print the demo logins."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from feedback.demo_data import demo_data_seed, demo_logins_still_valid
from feedback.models import Clinic


class Command(BaseCommand):
    help = (
        "Create 3 demo clinics, their providers and a year of responses, plus a demo admin and "
        "manager whose logins are printed. Only for an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already has clinics.",
        )
        parser.add_argument("--responses", type=int, default=5000, help="How many (default 5000).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")

    def handle(self, *args, if_empty: bool, responses: int, seed: int, **options):
        if responses < 1:
            raise CommandError("--responses must be at least 1.")
        if Clinic.objects.exists():
            # Demo rows must never be mixed into a database that holds real clinics.
            if if_empty:
                self.stdout.write("Clinics already exist; no demo data added.")
                self._print_logins(demo_logins_still_valid())
                return
            raise CommandError(
                "The database already has clinics; seed_demo only fills an empty database "
                "(use --if-empty to skip quietly)."
            )
        summary = demo_data_seed(responses=responses, seed=seed, today=timezone.now().date())
        rate = summary.answered_invitations / summary.invitations if summary.invitations else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data created in {summary.seconds:.1f} s: {summary.clinics} clinics, "
                f"{summary.providers} providers, {summary.responses:,} responses "
                f"({summary.comments:,} with comments, "
                f"{summary.testimonials} stories, {summary.stories_approved} approved), "
                f"{summary.follow_ups} follow-ups ({summary.follow_ups_handled} handled), "
                f"{summary.interventions} interventions, "
                f"{summary.invitations:,} invitations ({rate:.0%} answered), "
                f"{summary.buckets:,} clinic-days marked for aggregation, "
                f"{summary.staff_responses} anonymous staff pulse answers in 2 past rounds "
                f"per clinic."
            )
        )
        self._print_logins(summary.logins)

    def _print_logins(self, logins: list[tuple[str, str, str]]) -> None:
        if not logins:
            return
        self.stdout.write("")
        self.stdout.write(
            self.style.WARNING(
                "Demo logins (fixed demo passwords: never use this database for real patients):"
            )
        )
        for username, password, access in logins:
            self.stdout.write(f"  username: {username:<8} password: {password:<26} {access}")
        self.stdout.write(
            f"Sign in at {settings.SITE_URL}/accounts/login/ (admin also at /admin/)."
        )
