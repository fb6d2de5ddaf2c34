"""The staff wellbeing pulse (issue 13, collecting side): our own instrument, single-use staff
links, closed rounds, anonymity, the support page, and staff answers kept out of patient rollups."""

import datetime as dt
import json

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from analytics.models import DimensionRollup, ResponseRollup
from analytics.rollups.services import rollups_rebuild_for_day
from feedback import pulse
from feedback.forms import ITEM_PREFIX
from feedback.instrument_definition import InstrumentDefinitionError, parse_definition
from feedback.models import DimensionScore, Instrument, Response, StaffInvitation
from feedback.pulse import (
    RoundClosed,
    StaffLinkUnavailable,
    pulse_contacts_erase,
    pulse_response_submit,
    pulse_round_open,
    pulse_token_for_salt,
    staff_invitations_create,
)
from feedback.services import (
    INSTRUMENTS_DIR,
    instrument_current,
    instrument_definition,
    response_submit,
)
from tests.conftest import manager_of

pytestmark = [pytest.mark.django_db, pytest.mark.services]

# 4 = Agree; reverse items are answered 2 (Disagree), which counts as 4 too.
ALL_AGREE = {
    "cs_meaning": 5,
    "cs_difference": 4,
    "burnout_energy": 2,
    "burnout_worn_out": 4,  # reversed: 6 - 4 = 2
    "stress_carry_home": 2,  # reversed: 4
    "stress_set_aside": 4,
    "time_enough": 3,
    "time_hurried": 5,  # reversed: 1
    "support_team": 5,
    "support_leaders": 3,
}


@pytest.fixture
def staff_instrument(instrument) -> Instrument:
    return instrument_current(pulse.STAFF_INSTRUMENT_SLUG)


@pytest.fixture
def pulse_round(clinic_a, staff_instrument):
    today = timezone.localdate()
    return pulse_round_open(
        clinic=clinic_a,
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=30),
        shared_link=True,
        support_text="Talk to a peer supporter any weekday.",
        support_links=[{"label": "Peer support line", "url": "https://example.org/peers"}],
    )


def round_close(pulse_round, *, days_ago: int) -> None:
    pulse_round.opens_on = timezone.localdate() - dt.timedelta(days=days_ago + 30)
    pulse_round.closes_on = timezone.localdate() - dt.timedelta(days=days_ago)
    pulse_round.save()


def link_token(invitation: StaffInvitation) -> str:
    return pulse_token_for_salt(invitation.token_salt)


def test_the_staff_instrument_loads_with_the_others_in_english_and_spanish(staff_instrument):
    definition = instrument_definition(staff_instrument)
    assert definition.is_staff
    assert definition.languages == ("en", "es")
    assert 8 <= len(definition.items) <= 10
    assert [d.id for d in definition.dimensions] == [
        "compassion_satisfaction",
        "burnout",
        "secondary_stress",
        "time_pressure",
        "support",
    ]
    assert {i.id for i in definition.items if i.reverse} == {
        "burnout_worn_out",
        "stress_carry_home",
        "time_hurried",
    }


def test_an_unknown_audience_is_refused_and_the_default_is_patients(instrument):
    raw = dict(instrument.definition)
    assert parse_definition(raw).audience == "patients"
    with pytest.raises(InstrumentDefinitionError, match="audience"):
        parse_definition({**raw, "audience": "everyone"})


def test_the_engine_scores_a_staff_answer_by_hand_with_reverse_items(pulse_round):
    response = pulse_response_submit(pulse_round=pulse_round, answers=ALL_AGREE, language="en")
    scores = {s.dimension: s.score for s in response.scores.all()}
    # (mean - 1) / 4 * 100: satisfaction (5+4)/2=4.5 -> 87.5; burnout (2+2)/2=2 -> 25;
    # secondary stress (4+4)/2=4 -> 75; time (3+1)/2=2 -> 25; support (5+3)/2=4 -> 75.
    assert scores == {
        "compassion_satisfaction": 87.5,
        "burnout": 25.0,
        "secondary_stress": 75.0,
        "time_pressure": 25.0,
        "support": 75.0,
    }


def test_a_clinic_cannot_give_its_patients_the_staff_survey(clinic_a, staff_instrument):
    clinic_a.instrument_slug = pulse.STAFF_INSTRUMENT_SLUG
    with pytest.raises(ValidationError, match="staff survey"):
        clinic_a.full_clean()
    with pytest.raises(ValueError):
        response_submit(
            instrument=staff_instrument, clinic=clinic_a, answers=ALL_AGREE, language="en"
        )


def test_staff_links_are_mailed_once_per_address_and_work_once(pulse_round):
    created = staff_invitations_create(
        pulse_round=pulse_round, emails=["Ana@Example.org", "ana@example.org ", "ben@example.org"]
    )
    assert len(created) == 2 and len(mail.outbox) == 2
    assert link_token(created[0]) in mail.outbox[0].body
    assert staff_invitations_create(pulse_round=pulse_round, emails=["ben@example.org"]) == []

    invitation = created[0]
    pulse_response_submit(
        pulse_round=pulse_round, answers=ALL_AGREE, language="en", invitation=invitation
    )
    with pytest.raises(StaffLinkUnavailable):
        pulse_response_submit(
            pulse_round=pulse_round, answers=ALL_AGREE, language="en", invitation=invitation
        )
    assert Response.objects.filter(pulse_round=pulse_round).count() == 1


def test_a_closed_round_refuses_answers_and_new_links(pulse_round):
    round_close(pulse_round, days_ago=2)
    with pytest.raises(RoundClosed):
        pulse_response_submit(pulse_round=pulse_round, answers=ALL_AGREE, language="en")
    with pytest.raises(RoundClosed):
        staff_invitations_create(pulse_round=pulse_round, emails=["ana@example.org"])
    assert not Response.objects.filter(pulse_round=pulse_round).exists()


def test_a_staff_response_holds_nothing_that_leads_to_the_person(pulse_round):
    [invitation] = staff_invitations_create(pulse_round=pulse_round, emails=["ana@example.org"])
    response = pulse_response_submit(
        pulse_round=pulse_round, answers=ALL_AGREE, language="es", invitation=invitation
    )
    stored = Response.objects.filter(pk=response.pk).values().get()
    assert stored["invitation_id"] is None and stored["provider_id"] is None
    assert stored["pulse_round_id"] == pulse_round.pk
    assert stored["role_group"] == ""  # the link had none
    assert "ana@example.org" not in repr(stored)
    # The only columns: none of them names the staff invitation or a person.
    assert set(stored) == {
        "id",
        "instrument_id",
        "clinic_id",
        "provider_id",
        "invitation_id",
        "visit_type",
        "channel",
        "language",
        "pulse_round_id",
        "role_group",
        "submitted_at",
        "local_date",
        "answers",
        "comment",
    }
    for score in DimensionScore.objects.filter(response=response).values():
        assert set(score) == {
            "id",
            "response_id",
            "dimension",
            "mean",
            "score",
            "answered_items",
            "top_box_items",
        }
    invitation.refresh_from_db()
    assert invitation.used and invitation.contact == "" and invitation.contact_erased
    # No use time on the invitation that could be matched with the response's submitted_at.
    assert not any(
        isinstance(value, dt.datetime)
        and value != invitation.created_at
        and value != invitation.sent_at
        for value in StaffInvitation.objects.filter(pk=invitation.pk).values().get().values()
    )


def test_unused_staff_addresses_are_erased_once_the_round_has_closed(pulse_round):
    [invitation] = staff_invitations_create(pulse_round=pulse_round, emails=["ana@example.org"])
    assert pulse_contacts_erase() == 0  # still open: the address may be needed
    round_close(pulse_round, days_ago=3)
    assert pulse_contacts_erase() == 1
    invitation.refresh_from_db()
    assert invitation.contact == "" and invitation.contact_erased
    pulse_round.refresh_from_db()
    assert pulse_round.contacts_erased_at is not None


def test_staff_answers_never_enter_the_patients_rollups(pulse_round, clinic_a, instrument):
    patient = response_submit(
        instrument=instrument,
        clinic=clinic_a,
        answers={item.id: 4 for item in instrument_definition(instrument).items},
        language="en",
    )
    staff = pulse_response_submit(pulse_round=pulse_round, answers=ALL_AGREE, language="en")
    assert staff.local_date == patient.local_date
    rollups_rebuild_for_day(clinic_id=clinic_a.pk, local_date=patient.local_date)
    assert ResponseRollup.objects.aggregate(n=Sum("responses"))["n"] == 1
    dimensions = set(DimensionRollup.objects.values_list("dimension", flat=True))
    assert "empathy" in dimensions and "burnout" not in dimensions


def answers_post(answers: dict[str, int]) -> dict[str, str]:
    return {f"{ITEM_PREFIX}{item_id}": str(value) for item_id, value in answers.items()}


def test_a_staff_link_shows_the_survey_then_support_without_any_score(client, pulse_round):
    [invitation] = staff_invitations_create(pulse_round=pulse_round, emails=["ana@example.org"])
    url = reverse("feedback:pulse_invitation", args=[link_token(invitation)])
    page = client.get(url + "?lang=es")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "Puedo contar con mis compañeros" in page.content.decode()
    assert 'name="story"' not in page.content.decode()

    sent = client.post(url + "?lang=es", answers_post(ALL_AGREE))
    assert sent.status_code == 302
    support = client.get(sent["Location"])
    html = support.content.decode()
    assert support.status_code == 200 and "no-store" in support["Cache-Control"]
    assert "Talk to a peer supporter any weekday." in html
    assert 'href="https://example.org/peers"' in html and "Peer support line" in html
    for score in Response.objects.get(pulse_round=pulse_round).scores.all():
        assert f"{score.score:g}" not in html.replace("2026", "")
    assert "87.5" not in html and "Energ" not in html

    again = client.post(url, answers_post(ALL_AGREE))
    assert again.status_code == 410


def test_the_shared_round_link_is_limited_per_device(client, pulse_round, settings):
    from django.core.cache import cache

    cache.clear()
    settings.KIOSK_RATE_LIMIT = 1
    url = reverse(
        "feedback:pulse_shared", args=[pulse_token_for_salt(pulse_round.shared_link_salt)]
    )
    assert client.post(url, answers_post(ALL_AGREE)).status_code == 302
    assert client.post(url, answers_post(ALL_AGREE)).status_code == 429
    assert Response.objects.filter(pulse_round=pulse_round).count() == 1


def test_a_closed_round_link_shows_the_closed_page(client, pulse_round):
    round_close(pulse_round, days_ago=2)
    url = reverse(
        "feedback:pulse_shared", args=[pulse_token_for_salt(pulse_round.shared_link_salt)]
    )
    assert client.post(url, answers_post(ALL_AGREE)).status_code == 410
    assert not Response.objects.filter(pulse_round=pulse_round).exists()


def test_an_admin_opens_a_round_and_mails_the_pasted_staff_list(
    admin_client, clinic_a, staff_instrument
):
    today = timezone.localdate()
    page = admin_client.post(
        reverse("admin:feedback_pulseround_add"),
        {
            "clinic": clinic_a.pk,
            "instrument": staff_instrument.pk,
            "opens_on": today.isoformat(),
            "closes_on": (today + dt.timedelta(days=20)).isoformat(),
            "support_text": "Peer support: room 4.",
            "support_links": "[]",
            "staff_emails": "ana@example.org\nben@example.org\n",
            "shared_link": "on",
        },
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    [created] = clinic_a.pulse_rounds.all()
    assert created.shared_link_token_hash and created.invitations.count() == 2
    assert len(mail.outbox) == 2
    listing = admin_client.get(
        reverse("admin:feedback_staffinvitation_changelist")
    ).content.decode()
    assert "ana@example.org" not in listing
    for invitation in created.invitations.all():
        assert invitation.token_hash not in listing and link_token(invitation) not in listing


def test_a_manager_of_another_clinic_never_sees_a_round_in_the_admin(client, pulse_round, clinic_b):
    from django.contrib.auth.models import Permission

    manager = manager_of(clinic_b, username="pulse_manager_b")
    manager.is_staff = True
    manager.save()
    manager.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_pulseround", "change_pulseround"])
    )
    client.force_login(manager)
    listing = client.get(reverse("admin:feedback_pulseround_changelist"))
    assert listing.status_code == 200
    assert str(pulse_round) not in listing.content.decode()
    change = client.get(reverse("admin:feedback_pulseround_change", args=[pulse_round.pk]))
    assert change.status_code == 302  # "does not exist" back to the admin index


def test_a_staff_response_keeps_only_the_day_it_arrived(pulse_round):
    at = timezone.make_aware(
        dt.datetime.combine(pulse_round.opens_on, dt.time(15, 47, 12)), pulse_round.clinic.tzinfo
    )
    response = pulse_response_submit(
        pulse_round=pulse_round, answers=ALL_AGREE, language="en", now=at
    )
    stored = Response.objects.get(pk=response.pk)
    local = stored.submitted_at.astimezone(pulse_round.clinic.tzinfo)
    assert (local.date(), local.time()) == (pulse_round.opens_on, dt.time(0))
    assert stored.local_date == pulse_round.opens_on


def test_no_relation_leads_from_a_staff_response_to_a_staff_invitation_or_back():
    def related(model) -> set:
        return {field.related_model for field in model._meta.get_fields() if field.is_relation}

    assert StaffInvitation not in related(Response)
    assert Response not in related(StaffInvitation)


def test_a_staff_instrument_with_follow_up_rules_never_opens_a_follow_up(clinic_a, instrument):
    """A licensee's staff instrument may carry follow-up rules; one staff answer's scores must
    still never reach the follow-up list."""
    from feedback.models import FollowUp
    from feedback.services import instrument_load

    raw = json.loads((INSTRUMENTS_DIR / "staff-pulse.v1.json").read_text(encoding="utf-8"))
    raw["version"] = 99
    for dimension in raw["dimensions"]:
        dimension["follow_up"] = {"below": 100}  # every score here is under 100
    loaded, _ = instrument_load(raw=raw)
    today = timezone.localdate()
    pulse_round = pulse_round_open(
        clinic=clinic_a, opens_on=today, closes_on=today, instrument=loaded
    )
    pulse_response_submit(pulse_round=pulse_round, answers=ALL_AGREE, language="en")
    assert Response.objects.filter(pulse_round=pulse_round).count() == 1
    assert not FollowUp.objects.exists()


def test_an_answer_keeps_its_role_group_only_when_the_round_invited_enough_of_it(pulse_round):
    nurses = staff_invitations_create(
        pulse_round=pulse_round,
        emails=[f"nurse{i}@example.org" for i in range(5)],
        role_group="Nursing",
        send=False,
    )
    [manager] = staff_invitations_create(
        pulse_round=pulse_round, emails=["boss@example.org"], role_group="Management", send=False
    )
    nurse = pulse_response_submit(
        pulse_round=pulse_round, answers=ALL_AGREE, language="en", invitation=nurses[0]
    )
    boss = pulse_response_submit(
        pulse_round=pulse_round, answers=ALL_AGREE, language="en", invitation=manager
    )
    assert Response.objects.get(pk=nurse.pk).role_group == "Nursing"  # 5 invited
    assert Response.objects.get(pk=boss.pk).role_group == ""  # 1 invited: would name them
