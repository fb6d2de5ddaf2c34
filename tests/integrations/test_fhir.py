"""FHIR R4 export: resources that fhir.resources' R4B models accept, plus our own checks where
those models are lenient (status codes, the ordinal extension, no patient reference)."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from feedback.models import AuditEvent
from feedback.services import response_submit
from integrations import fhir
from tests.integrations.conftest import bearer

pytestmark = pytest.mark.django_db

FHIR = "application/fhir+json"
# Codes FHIR R4 allows (the R4B models accept any string here).
QUESTIONNAIRE_STATUSES = {"draft", "active", "retired", "unknown"}
RESPONSE_STATUSES = {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
DAY = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def get(client, path, token, **params):
    return client.get(path, params, **bearer(token))


def submit(instrument, clinic, answers, *, at, language="en"):
    return response_submit(
        instrument=instrument, clinic=clinic, answers=answers, language=language, now=at
    )


def test_the_questionnaire_validates_and_carries_ordinals_and_translations(
    api_client, token_a, instrument
):
    _, token = token_a

    response = get(api_client, "/api/v1/fhir/Questionnaire/compassionate-care", token)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(FHIR)
    resource = response.json()
    Questionnaire.model_validate(resource)
    assert resource["status"] in QUESTIONNAIRE_STATUSES
    assert resource["version"] == str(instrument.version)
    assert resource["url"] == (
        "https://portal.example.org/api/v1/fhir/Questionnaire/compassionate-care"
    )
    first = resource["item"][0]
    assert (first["linkId"], first["type"], first["required"]) == (
        "empathy_feelings",
        "choice",
        True,
    )
    translations = {
        ext["extension"][0]["valueCode"]: ext["extension"][1]["valueString"]
        for ext in first["_text"]["extension"]
    }
    assert translations["es"] == "¿Qué tan bien entendió el personal cómo se sentía usted?"
    codings = [option["valueCoding"] for option in first["answerOption"]]
    assert [c["code"] for c in codings] == ["1", "2", "3", "4", "5", "not-applicable"]
    for coding in codings[:5]:
        (ordinal,) = coding["extension"]
        assert ordinal == {"url": fhir.ORDINAL_VALUE_URL, "valueDecimal": int(coding["code"])}
    assert codings[-1]["system"] == fhir.DATA_ABSENT_REASON_SYSTEM
    assert "extension" not in codings[-1]
    recommend = resource["item"][-1]
    assert [
        o["valueCoding"]["extension"][0]["valueDecimal"] for o in recommend["answerOption"]
    ] == (list(range(11)))


def test_an_unknown_questionnaire_is_a_404_operation_outcome(api_client, token_a, instrument):
    _, token = token_a

    response = get(api_client, "/api/v1/fhir/Questionnaire/staff-pulse", token)

    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


def test_responses_come_as_a_paged_searchset_bundle_without_patient_references(
    api_client, token_a, instrument, full_answers, clinic_b
):
    _, token = token_a
    clinic_a = token_a[0].clinics.get()
    with_na = {**full_answers, "empathy_feelings": None}
    first = submit(instrument, clinic_a, with_na, at=DAY, language="es")
    second = submit(instrument, clinic_a, full_answers, at=DAY + dt.timedelta(hours=1))
    third = submit(instrument, clinic_a, full_answers, at=DAY + dt.timedelta(hours=2))
    submit(instrument, clinic_b, full_answers, at=DAY)  # another clinic: never exported

    page_one = get(api_client, "/api/v1/fhir/QuestionnaireResponse", token, _count=2)

    assert page_one.status_code == 200
    assert page_one["Content-Type"].startswith(FHIR)
    bundle = page_one.json()
    Bundle.model_validate(bundle)
    assert (bundle["type"], bundle["total"]) == ("searchset", 3)
    ids = [entry["resource"]["id"] for entry in bundle["entry"]]
    assert ids == [str(first.pk), str(second.pk)]
    next_url = next(link["url"] for link in bundle["link"] if link["relation"] == "next")
    parts = urlsplit(next_url)
    page_two = api_client.get(f"{parts.path}?{parts.query}", **bearer(token)).json()
    assert [entry["resource"]["id"] for entry in page_two["entry"]] == [str(third.pk)]
    assert [link["relation"] for link in page_two["link"]] == ["self"]

    resource = bundle["entry"][0]["resource"]
    QuestionnaireResponse.model_validate(resource)
    assert resource["status"] in RESPONSE_STATUSES and resource["status"] == "completed"
    assert resource["authored"] == DAY.isoformat()
    assert resource["questionnaire"].endswith(
        f"/Questionnaire/compassionate-care|{instrument.version}"
    )
    assert not {"subject", "author", "source", "encounter", "basedOn"} & set(resource)
    answers = {item["linkId"]: item["answer"][0]["valueCoding"] for item in resource["item"]}
    assert answers["empathy_feelings"] == {
        "system": fhir.DATA_ABSENT_REASON_SYSTEM,
        "code": "not-applicable",
        "display": "No aplica",
    }
    assert answers["empathy_person"]["code"] == "4"
    assert answers["empathy_person"]["display"] == "Muy buena"
    assert answers["empathy_person"]["extension"][0]["valueDecimal"] == 4
    assert answers["recommend"]["code"] == "9"
    assert len(answers) == len(full_answers)


def test_since_filters_by_submission_time(api_client, token_a, instrument, full_answers):
    row, token = token_a
    clinic_a = row.clinics.get()
    submit(instrument, clinic_a, full_answers, at=DAY - dt.timedelta(days=2))
    recent = submit(instrument, clinic_a, full_answers, at=DAY)

    bundle = get(
        api_client,
        "/api/v1/fhir/QuestionnaireResponse",
        token,
        clinic="riverside",
        since="2026-11-19",
    ).json()

    assert [entry["resource"]["id"] for entry in bundle["entry"]] == [str(recent.pk)]
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.details["rows"] == 1 and event.details["format"] == "fhir-questionnaire-response"
    assert event.target == f"api_token:{row.pk}"


@pytest.mark.parametrize(
    "since",
    ["2026-11-20T14:00:00Z", "2026-11-20T09:00:00-05:00", "2026-11-20T15:00:00 01:00"],
    ids=["utc", "offset", "unencoded plus"],
)
def test_since_takes_date_times_with_offsets(api_client, token_a, instrument, full_answers, since):
    row, token = token_a
    submit(instrument, row.clinics.get(), full_answers, at=DAY - dt.timedelta(hours=2))
    kept = submit(instrument, row.clinics.get(), full_answers, at=DAY)

    bundle = get(api_client, "/api/v1/fhir/QuestionnaireResponse", token, since=since).json()

    assert [entry["resource"]["id"] for entry in bundle["entry"]] == [str(kept.pk)]


def test_a_bad_since_is_a_400_operation_outcome(api_client, token_a):
    _, token = token_a

    response = get(api_client, "/api/v1/fhir/QuestionnaireResponse", token, since="last week")

    assert response.status_code == 400
    assert response.json()["issue"][0]["code"] == "invalid"


@pytest.mark.hardening
def test_a_token_of_clinic_a_cannot_read_clinic_b(
    api_client, token_a, clinic_b, instrument, full_answers
):
    _, token = token_a
    submit(instrument, clinic_b, full_answers, at=DAY)

    response = get(api_client, "/api/v1/fhir/QuestionnaireResponse", token, clinic="hillcrest")

    assert response.status_code == 403
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "entry" not in response.json()


def test_reading_responses_needs_a_token(api_client, clinic_a):
    response = api_client.get("/api/v1/fhir/QuestionnaireResponse")

    assert response.status_code == 401


def test_a_page_costs_the_same_queries_for_2_or_6_responses(
    api_client, token_a, instrument, full_answers
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    row, token = token_a
    clinic_a = row.clinics.get()

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = get(api_client, "/api/v1/fhir/QuestionnaireResponse", token)
        assert response.status_code == 200
        return len(captured)

    for hour in range(2):
        submit(instrument, clinic_a, full_answers, at=DAY + dt.timedelta(hours=hour))
    queries_for_page()  # the token's first use records last_used_at
    with_two = queries_for_page()
    for hour in range(2, 6):
        submit(instrument, clinic_a, full_answers, at=DAY + dt.timedelta(hours=hour))
    with_six = queries_for_page()

    assert with_two == with_six <= 12


# "Agree" (4) on every item of the shipped staff pulse.
STAFF_ANSWERS = dict.fromkeys(
    [
        "cs_meaning",
        "cs_difference",
        "burnout_energy",
        "burnout_worn_out",
        "stress_carry_home",
        "stress_set_aside",
        "time_enough",
        "time_hurried",
        "support_team",
        "support_leaders",
    ],
    4,
)


def test_staff_pulse_answers_are_never_exported(api_client, token_a, instrument, full_answers):
    """Pulse results are shown only per clinic above STAFF_MIN_GROUP_SIZE; one row per staff
    member in an export would undo that."""
    from django.utils import timezone

    from feedback.pulse import pulse_response_submit, pulse_round_open

    row, token = token_a
    clinic_a = row.clinics.get()
    today = timezone.localdate()
    pulse_round = pulse_round_open(
        clinic=clinic_a, opens_on=today - dt.timedelta(days=1), closes_on=today, shared_link=True
    )
    staff = pulse_response_submit(pulse_round=pulse_round, answers=STAFF_ANSWERS, language="en")
    patient = submit(instrument, clinic_a, full_answers, at=DAY)

    bundle = get(api_client, "/api/v1/fhir/QuestionnaireResponse", token).json()

    assert staff.pulse_round_id == pulse_round.pk
    assert [entry["resource"]["id"] for entry in bundle["entry"]] == [str(patient.pk)]
    assert bundle["total"] == 1


def test_a_parameter_of_the_wrong_type_is_a_readable_400(api_client, token_a):
    _, token = token_a

    response = get(api_client, "/api/v1/fhir/QuestionnaireResponse", token, _count="many")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Bad parameter (_count: ")
