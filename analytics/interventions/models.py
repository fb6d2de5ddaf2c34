"""An intervention a clinic made: its dates, whom it covered, and who recorded it."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Intervention(models.Model):
    """Something a clinic did to improve care, recorded so charts can mark it and its before/after
    effect can be shown. No providers: it covers the whole clinic."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("Training")
        COACHING = "coaching", _("Coaching")
        PROCESS_CHANGE = "process_change", _("Process change")
        STAFFING = "staffing", _("Staffing")
        OTHER = "other", _("Other")

    clinic = models.ForeignKey(
        "feedback.Clinic",
        on_delete=models.CASCADE,
        related_name="interventions",
        verbose_name=_("clinic"),
    )
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date"),
        null=True,
        blank=True,
        help_text=_("Leave empty for a one-day event such as a workshop."),
    )
    # Providers of the same clinic (checked by the service and the forms); none: whole clinic.
    providers = models.ManyToManyField(
        "feedback.Provider",
        blank=True,
        related_name="interventions",
        verbose_name=_("providers covered"),
        help_text=_("Leave empty when it covers the whole clinic."),
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        indexes = [models.Index(fields=["clinic", "start_date"], name="intervention_clinic_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="intervention_end_on_or_after_start",
                violation_error_message=_("The end date must be on or after the start date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.start_date:%Y-%m-%d})"

    @property
    def last_day(self):
        """The last day of the intervention period (its start day for a one-day event)."""
        return self.end_date or self.start_date
