"""What the portal collects: clinics, providers, visits, invitations, instruments and responses.

No model here holds a patient's name. The only contact detail (an invitation's e-mail address or
phone number) lives on the invitation until it is answered, expires or has had its reminder.
"""

from feedback.models.audit_events import AuditEvent
from feedback.models.places import (
    Channel,
    Clinic,
    ClinicMembership,
    Provider,
    Visit,
    VisitType,
    language_choices,
    language_codes,
    validate_timezone,
)
from feedback.models.staff_pulse import PulseRound, StaffInvitation
from feedback.models.surveys import (
    DimensionScore,
    DirtyBucket,
    Instrument,
    Invitation,
    Response,
)
from feedback.models.voices import CommentAnalysis, CommentTheme, FollowUp, Testimonial

__all__ = [
    "AuditEvent",
    "Channel",
    "Clinic",
    "ClinicMembership",
    "CommentAnalysis",
    "CommentTheme",
    "DimensionScore",
    "DirtyBucket",
    "FollowUp",
    "Instrument",
    "Invitation",
    "Provider",
    "PulseRound",
    "Response",
    "StaffInvitation",
    "Testimonial",
    "Visit",
    "VisitType",
    "language_choices",
    "language_codes",
    "validate_timezone",
]
