"""Invitations: the 30-day rule by hash, sending once, one reminder, erasing contacts, rates."""

import datetime as dt

import pytest
from django.utils import timezone

from feedback import tasks
from feedback.invitations import (
    ContactInvalid,
    InvitationRefused,
    contact_hash,
    invitation_contacts_erase,
    invitation_create,
    invitation_reminders_send,
    invitation_send,
    invitation_url,
    invitations_unsent_send,
    token_hash,
)
from feedback.models import Channel, Invitation, Visit
from feedback.services import response_submit

NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _outboxes(settings, tmp_path):
    settings.SITE_URL = "https://portal.example.org"
    settings.SMS_BACKEND = "feedback.sms.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    settings.INVITATION_MIN_DAYS_BETWEEN = 30
    settings.INVITATION_REMINDER_AFTER_DAYS = 2
    settings.INVITATION_VALID_DAYS = 14


def _visit(clinic, external_id: str, *, language: str = "en") -> Visit:
    return Visit.objects.create(
        clinic=clinic,
        external_id=external_id,
        occurred_at=NOW - dt.timedelta(hours=3),
        preferred_language=language,
    )


def _invitation(
    clinic, external_id="V-1", *, contact="pat@example.com", channel="email", language="en", now=NOW
) -> Invitation:
    return invitation_create(
        visit=_visit(clinic, external_id, language=language),
        channel=channel,
        contact=contact,
        now=now,
    )


def _sent(clinic, external_id="V-1", *, days_ago: float, contact="pat@example.com") -> Invitation:
    invitation = _invitation(
        clinic, external_id, contact=contact, now=NOW - dt.timedelta(days=days_ago)
    )
    invitation_send(invitation_id=invitation.pk, now=NOW - dt.timedelta(days=days_ago))
    invitation.refresh_from_db()
    return invitation


def _sms_files(settings) -> list[str]:
    from pathlib import Path

    folder = Path(settings.SMS_FILE_PATH)
    return [p.read_text() for p in sorted(folder.glob("*.sms"))] if folder.exists() else []


def test_invitation_stores_only_the_hash_of_the_token_its_link_carries(clinic_a):
    invitation = _invitation(clinic_a)
    url = invitation_url(invitation)
    token = url.removeprefix("https://portal.example.org/s/").removesuffix("/")

    assert url == f"https://portal.example.org/s/{token}/"
    assert len(token) >= 32
    assert invitation.token_hash == token_hash(token)
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert token not in {str(value) for value in stored.values()}


def test_invitation_expires_after_the_configured_days_and_keeps_a_normalised_contact(clinic_a):
    invitation = _invitation(clinic_a, contact="  Pat@Example.COM ")

    assert invitation.expires_at == NOW + dt.timedelta(days=14)
    assert invitation.contact == "pat@example.com"
    assert invitation.contact_hash == contact_hash("pat@example.com")


def test_same_contact_within_30_days_is_refused_even_when_written_differently(clinic_a):
    _invitation(clinic_a, "V-1", contact="pat@example.com", now=NOW - dt.timedelta(days=29))

    with pytest.raises(InvitationRefused, match="30 days"):
        _invitation(clinic_a, "V-2", contact=" PAT@example.com", now=NOW)
    assert Invitation.objects.count() == 1


def test_30_day_rule_uses_the_hash_after_the_contact_itself_was_erased(clinic_a):
    first = _invitation(
        clinic_a, "V-1", contact="+1 (555) 010-2000", channel="sms", now=NOW - dt.timedelta(days=3)
    )
    Invitation.objects.filter(pk=first.pk).update(contact="", contact_erased_at=NOW)

    with pytest.raises(InvitationRefused):
        _invitation(clinic_a, "V-2", contact="+15550102000", channel="sms", now=NOW)


def test_contact_invited_more_than_30_days_ago_may_be_invited_again(clinic_a):
    _invitation(clinic_a, "V-1", now=NOW - dt.timedelta(days=31))

    second = _invitation(clinic_a, "V-2", now=NOW)

    assert second.contact_hash == contact_hash("pat@example.com")
    assert Invitation.objects.count() == 2


def test_another_contact_is_not_held_back_by_the_30_day_rule(clinic_a):
    _invitation(clinic_a, "V-1", contact="pat@example.com")

    assert _invitation(clinic_a, "V-2", contact="sam@example.com").pk


@pytest.mark.parametrize(
    ("channel", "contact"),
    [
        ("email", "not-an-address"),
        ("email", ""),
        ("sms", "call me"),
        ("sms", "12"),
    ],
)
def test_unusable_contact_is_refused(clinic_a, channel, contact):
    with pytest.raises(ContactInvalid):
        _invitation(clinic_a, contact=contact, channel=channel)


def test_qr_invitation_keeps_no_contact_and_is_never_sent(clinic_a, mailoutbox, settings):
    invitation = _invitation(clinic_a, contact="pat@example.com", channel=Channel.QR)

    assert invitation.contact == "" and invitation.contact_hash == ""
    assert invitation_send(invitation_id=invitation.pk, now=NOW) is False
    assert mailoutbox == [] and _sms_files(settings) == []


def test_sending_an_email_invitation_mails_the_link_and_marks_it_sent(clinic_a, mailoutbox):
    invitation = _invitation(clinic_a)

    assert invitation_send(invitation_id=invitation.pk, now=NOW) is True

    invitation.refresh_from_db()
    assert invitation.sent_at == NOW
    [message] = mailoutbox
    assert message.to == ["pat@example.com"]
    assert message.subject == "How was your visit to Riverside Family Clinic?"
    assert invitation_url(invitation) in message.body
    assert "20 November 2026" in message.body  # the visit day in the clinic's time zone


def test_spanish_invitation_is_written_in_spanish(clinic_a, mailoutbox):
    invitation = _invitation(clinic_a, language="es")

    invitation_send(invitation_id=invitation.pk, now=NOW)

    [message] = mailoutbox
    assert message.subject.startswith("¿Cómo fue su visita")
    assert "20 de noviembre de 2026" in message.body


def test_sending_twice_sends_one_email(clinic_a, mailoutbox):
    # The task sends at the real time, so the invitation is made now (a fixed date expires).
    invitation = _invitation(clinic_a, now=timezone.now())

    tasks.invitation_send.apply(args=[invitation.pk])
    tasks.invitation_send.apply(args=[invitation.pk])

    assert len(mailoutbox) == 1


def test_sms_invitation_goes_through_the_sms_backend(clinic_a, settings, mailoutbox):
    invitation = _invitation(clinic_a, contact="+1 555 010 2000", channel="sms")

    invitation_send(invitation_id=invitation.pk, now=NOW)

    [sms] = _sms_files(settings)
    assert sms.startswith("To: +15550102000")
    assert invitation_url(invitation) in sms
    assert mailoutbox == []


def test_used_or_expired_invitation_is_not_sent(clinic_a, mailoutbox):
    used = _invitation(clinic_a, "V-1", contact="a@example.com")
    Invitation.objects.filter(pk=used.pk).update(used_at=NOW)
    expired = _invitation(clinic_a, "V-2", contact="b@example.com", now=NOW - dt.timedelta(days=15))

    assert invitation_send(invitation_id=used.pk, now=NOW) is False
    assert invitation_send(invitation_id=expired.pk, now=NOW) is False
    assert mailoutbox == []


def test_one_reminder_goes_out_after_two_days_and_then_the_contact_is_erased(clinic_a, mailoutbox):
    invitation = _sent(clinic_a, days_ago=2.1)
    mailoutbox.clear()

    assert invitation_reminders_send(now=NOW) == 1
    assert invitation_reminders_send(now=NOW + dt.timedelta(days=3)) == 0

    [reminder] = mailoutbox
    assert reminder.subject.startswith("Reminder:")
    assert invitation_url(invitation) in reminder.body
    invitation.refresh_from_db()
    assert invitation.reminder_sent_at == NOW
    assert invitation.contact == "" and invitation.contact_erased_at == NOW


def test_no_reminder_before_the_configured_days(clinic_a, mailoutbox):
    _sent(clinic_a, days_ago=1.9)
    mailoutbox.clear()

    assert invitation_reminders_send(now=NOW) == 0
    assert mailoutbox == []


def test_no_reminder_after_the_survey_was_answered(clinic_a, instrument, full_answers, mailoutbox):
    invitation = _sent(clinic_a, days_ago=3)
    response_submit(
        instrument=instrument,
        clinic=clinic_a,
        answers=full_answers,
        language="en",
        invitation=invitation,
        now=NOW - dt.timedelta(days=1),
    )
    mailoutbox.clear()

    assert invitation_reminders_send(now=NOW) == 0
    assert mailoutbox == []


def test_no_reminder_after_the_invitation_expired(clinic_a, mailoutbox):
    _sent(clinic_a, days_ago=15)
    mailoutbox.clear()

    assert invitation_reminders_send(now=NOW) == 0
    assert mailoutbox == []


def test_contacts_are_erased_when_answered_expired_or_reminded_but_kept_while_pending(clinic_a):
    answered = _sent(clinic_a, "V-1", days_ago=1, contact="a@example.com")
    expired = _sent(clinic_a, "V-2", days_ago=15, contact="b@example.com")
    reminded = _sent(clinic_a, "V-3", days_ago=3, contact="c@example.com")
    pending = _sent(clinic_a, "V-4", days_ago=1, contact="d@example.com")
    Invitation.objects.filter(pk=answered.pk).update(used_at=NOW)
    Invitation.objects.filter(pk=reminded.pk).update(reminder_sent_at=NOW)

    assert invitation_contacts_erase(now=NOW) == 3

    contacts = dict(Invitation.objects.values_list("pk", "contact"))
    assert contacts == {
        answered.pk: "",
        expired.pk: "",
        reminded.pk: "",
        pending.pk: "d@example.com",
    }
    assert Invitation.objects.filter(contact_erased_at=NOW).count() == 3


def test_invitations_left_unsent_by_a_broker_outage_are_sent_by_the_catch_up(clinic_a, mailoutbox):
    lost = _invitation(clinic_a, "V-1", contact="a@example.com", now=NOW - dt.timedelta(hours=1))
    just_made = _invitation(clinic_a, "V-2", contact="b@example.com", now=NOW)

    assert invitations_unsent_send(now=NOW) == 1

    assert [m.to for m in mailoutbox] == [["a@example.com"]]
    assert Invitation.objects.get(pk=lost.pk).sent_at == NOW
    assert Invitation.objects.get(pk=just_made.pk).sent_at is None


def test_the_link_in_the_email_opens_the_survey(client, clinic_a, instrument, mailoutbox):
    invitation = _invitation(clinic_a, now=timezone.now())
    invitation_send(invitation_id=invitation.pk)
    [message] = mailoutbox
    link = next(word for word in message.body.split() if word.startswith("https://"))

    response = client.get(link.removeprefix("https://portal.example.org"))

    assert response.status_code == 200


def test_a_refused_address_never_reaches_the_logs(clinic_a, caplog, monkeypatch):
    import smtplib

    from django.core.mail import EmailMessage

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({self.to[0]: (550, b"no such mailbox")})

    monkeypatch.setattr(EmailMessage, "send", refuse)
    _sent_at = NOW - dt.timedelta(days=3)
    invitation = _invitation(clinic_a, contact="jane.patient@example.com", now=_sent_at)
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=_sent_at)
    with caplog.at_level("DEBUG"):
        assert invitation_reminders_send(now=NOW) == 0
    logged = caplog.text + "".join(str(record.exc_info) for record in caplog.records)
    assert f"invitation {invitation.pk}" in logged and "SMTPRecipientsRefused" in logged
    assert "jane.patient" not in logged


@pytest.mark.parametrize(
    ("channel", "contact"),
    [
        ("email", "jane.doe@@example.com"),
        ("sms", "555-12"),
    ],
)
def test_a_refused_contact_is_not_quoted_in_the_error(clinic_a, channel, contact):
    with pytest.raises(ContactInvalid) as refused:
        _invitation(clinic_a, contact=contact, channel=channel)
    assert contact not in str(refused.value) and "not a valid" in str(refused.value)
