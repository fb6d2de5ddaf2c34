"""Bad input on the patient pages: bytes that are not UTF-8, fields sent twice, HEAD requests."""

import socket
from urllib.parse import urlencode, urlparse

import pytest
from django.urls import reverse

from feedback.models import Invitation, Response, Testimonial
from tests.feedback.test_views import assert_error_page, form_data, survey_url

pytestmark = pytest.mark.hardening

URLENCODED = "application/x-www-form-urlencoded"
STORY = {"story": "The nurse held my hand.", "story_consent": "anonymous"}


def body_with(answers: dict, *extra: bytes, **fields) -> bytes:
    """A urlencoded survey body as a browser sends it, plus raw `extra` pairs."""
    return b"&".join([urlencode(form_data(answers, **fields)).encode(), *extra])


def assert_nothing_stored() -> None:
    assert Response.objects.count() == 0
    assert Testimonial.objects.count() == 0
    assert not Invitation.objects.filter(used_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("extra", "problem_link"),
    [
        pytest.param(b"comment=caf%E9", "#id_comment", id="latin1-escape-in-comment"),
        pytest.param(b"comment=caf\xe9", "#id_comment", id="raw-latin1-byte-in-comment"),
        pytest.param(b"story_first_name=Ros%C3", "#id_story_first_name", id="cut-in-name"),
    ],
)
def test_text_that_is_not_utf8_gets_400_and_nothing_is_stored(
    client, token, full_answers, extra, problem_link
):
    body = body_with(full_answers, extra, **STORY)
    response = client.post(survey_url(token), body, content_type=URLENCODED)
    page = assert_error_page(response, problem_link=problem_link)
    assert "could not be read" in page
    assert_nothing_stored()


def test_a_story_that_is_not_utf8_gets_400_on_the_kiosk_too(client, kiosk_url, full_answers):
    body = body_with(full_answers, b"story=Gracias%20se%F1ora", story_consent="anonymous")
    response = client.post(kiosk_url, body, content_type=URLENCODED)
    assert_error_page(response, problem_link="#id_story")
    assert_nothing_stored()


def test_a_field_name_that_is_not_utf8_gets_400(client, token, full_answers):
    response = client.post(
        survey_url(token), body_with(full_answers, b"q_%FF=4"), content_type=URLENCODED
    )
    assert response.status_code == 400
    summary = response.content.decode().partition('id="error-summary"')[2]
    assert "Some of what was sent could not be read" in summary
    assert_nothing_stored()


def test_a_multipart_field_that_is_not_utf8_gets_400(client, kiosk_url, full_answers):
    boundary = "BoUnDaRy"
    parts = [
        (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n').encode()
        + value
        + b"\r\n"
        for name, value in [
            *((k, v.encode()) for k, v in form_data(full_answers).items()),
            ("comment", b"caf\xe9"),
        ]
    ]
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    response = client.post(
        kiosk_url, body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert_error_page(response, problem_link="#id_comment")
    assert_nothing_stored()


def test_text_in_any_language_and_a_typed_replacement_character_are_stored_as_sent(
    client, token, full_answers
):
    comment = "Muy amables con mi señora ❤ 谢谢 \ufffd"
    response = client.post(
        survey_url(token),
        urlencode(form_data(full_answers, comment=comment)),
        content_type=URLENCODED,
    )
    assert response.status_code == 302
    assert Response.objects.get().comment == comment


@pytest.mark.parametrize(
    ("repeated", "problem_link", "message"),
    [
        pytest.param(
            [("q_empathy_kindness", "2")],
            "#field-q_empathy_kindness",
            "Question 3: choose only one answer.",
            id="answer-different-value",
        ),
        pytest.param(
            [("q_recommend", "9")],
            "#field-q_recommend",
            "choose only one answer.",
            id="answer-same-value",
        ),
        pytest.param(
            [("comment", "Second comment")], "#id_comment", "sent more than once", id="comment"
        ),
        pytest.param([("story", "Another story")], "#id_story", "sent more than once", id="story"),
        pytest.param(
            [("story_consent", "first_name")],
            "#field-story_consent",
            "Choose only one answer.",
            id="story-consent",
        ),
    ],
)
def test_a_field_sent_twice_gets_400_and_nothing_is_stored(
    client, token, full_answers, repeated, problem_link, message
):
    pairs = [*form_data(full_answers, comment="Kind.", **STORY).items(), *repeated]
    response = client.post(survey_url(token), urlencode(pairs), content_type=URLENCODED)
    page = assert_error_page(response, problem_link=problem_link)
    assert message in page
    assert_nothing_stored()


def test_an_answer_sent_twice_on_the_kiosk_gets_400(client, kiosk_url, full_answers):
    pairs = [*form_data(full_answers).items(), ("q_trust_safe", "1")]
    response = client.post(kiosk_url, urlencode(pairs), content_type=URLENCODED)
    assert_error_page(response, problem_link="#field-q_trust_safe")
    assert_nothing_stored()


@pytest.fixture
def patient_page_urls(clinic_a, instrument, token) -> list[str]:
    slug = clinic_a.slug
    return [
        reverse("feedback:survey_kiosk", args=[slug]),
        survey_url(token),
        reverse("feedback:thanks"),
        reverse("feedback:thanks") + "?kiosk=" + slug,
        reverse("feedback:withdraw"),
        reverse("feedback:stories_wall", args=[slug]),
        reverse("feedback:stories_embed", args=[slug]),
        reverse("feedback:clinic_qr", args=[slug]),
        reverse("feedback:clinic_qr_svg", args=[slug]),
    ]


def test_head_on_patient_pages_answers_like_get_without_a_body(client, patient_page_urls):
    for url in patient_page_urls:
        get = client.get(url)
        head = client.head(url)
        assert (url, head.status_code, head.content) == (url, 200, b"")
        assert head["Content-Type"] == get["Content-Type"]
    assert Invitation.objects.get().used_at is None


def test_head_on_the_thank_you_page_does_not_use_up_the_withdrawal_code(
    client, kiosk_url, full_answers
):
    response = client.post(kiosk_url, form_data(full_answers, **STORY))
    assert client.head(response["Location"]).status_code == 200
    assert client.get(response["Location"]).context["withdrawal_code"]


@pytest.mark.django_db(transaction=True)
def test_head_through_a_real_server_sends_no_body(live_server, patient_page_urls):
    host, port = urlparse(live_server.url).hostname, urlparse(live_server.url).port
    for url in patient_page_urls:
        with socket.create_connection((host, port), timeout=5) as connection:
            connection.sendall(f"HEAD {url} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
            received = b""
            while chunk := connection.recv(65536):
                received += chunk
        head, _blank, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") or head.startswith(b"HTTP/1.0 200"), (url, head)
        assert body == b"", url
