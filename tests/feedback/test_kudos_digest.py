"""The optional weekly kudos digest: opted-in providers get each approved thanks once."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from feedback import testimonials
from feedback.models import Provider
from feedback.services import response_submit
from feedback.testimonials import kudos_digests_send


@pytest.fixture
def thanks(instrument, clinic_a, full_answers, manager_a):
    """Submit and approve a testimonial thanking someone by name."""

    def approve(text: str, consent: str = "anonymous"):
        response = response_submit(
            instrument=instrument,
            clinic=clinic_a,
            answers=full_answers,
            language="en",
            testimonial_text=text,
            testimonial_consent=consent,
        )
        return testimonials.testimonial_approve(testimonial=response.testimonial, actor=manager_a)

    return approve


@pytest.fixture
def ortiz(provider_a):
    provider_a.email = "ana.ortiz@clinic.example"
    provider_a.kudos_digest = True
    provider_a.save()
    return provider_a


def test_opted_in_provider_gets_each_thanks_once(thanks, ortiz):
    thanks("Thank you Dr. Ortiz, call me on 555-123-4567 if needed.")
    assert kudos_digests_send() == 1
    [message] = mail.outbox
    assert message.to == ["ana.ortiz@clinic.example"]
    assert "Thank you Dr. [name]" in message.body and "555-123-4567" not in message.body
    assert kudos_digests_send() == 0  # a second run sends nothing new
    assert len(mail.outbox) == 1


def test_next_digest_holds_only_thanks_not_mailed_before(thanks, ortiz, manager_a):
    first = thanks("Thank you Dr. Ortiz for listening.")
    kudos_digests_send()
    # Editing an approved story's redaction must not mail it again.
    testimonials.testimonial_redaction_edit(
        testimonial=first, actor=manager_a, text="Thank you Dr. [name] for listening!"
    )
    thanks("Many thanks to Dr. Ortiz, so kind.")
    assert kudos_digests_send(now=timezone.now() + dt.timedelta(seconds=1)) == 1
    latest = mail.outbox[-1].body
    assert "so kind" in latest and "for listening" not in latest
    assert kudos_digests_send() == 0


def test_a_story_the_patient_kept_private_is_not_mailed(thanks, ortiz):
    thanks("Thank you Dr. Ortiz, but please keep this private.", consent="private")
    assert kudos_digests_send() == 0
    assert mail.outbox == []


def test_providers_who_did_not_opt_in_or_have_no_address_get_nothing(thanks, provider_a):
    thanks("Thank you Dr. Ortiz.")
    assert kudos_digests_send() == 0
    Provider.objects.filter(pk=provider_a.pk).update(kudos_digest=True)  # but no e-mail address
    assert kudos_digests_send() == 0
    assert mail.outbox == []
