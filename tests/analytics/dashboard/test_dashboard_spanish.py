"""The dashboard in Spanish: no English caption left, in the page or in its figures.

The English captions are read from the English page of the same data, so a caption added
later is checked too. The staff pages take their language from the browser's Accept-Language
(LocaleMiddleware), as a Spanish-speaking manager's browser sends it.
"""

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.urls import reverse

from analytics.rollups.services import dirty_buckets_drain
from feedback.models import Clinic, ClinicMembership, Invitation, Provider, Visit
from feedback.rollup_buckets import clinic_local_date, rollup_buckets_mark_dirty
from feedback.services import instrument_definition, response_submit

pytestmark = pytest.mark.services

PERIOD = {"period": "custom", "start": "2026-02-02", "end": "2026-03-01"}  # 28 days, 5 weeks
PREVIOUS_DAY = dt.datetime(2026, 1, 20, 15, 0, tzinfo=dt.UTC)
WEEKS = [dt.datetime(2026, 2, 3, 15, 0, tzinfo=dt.UTC) + dt.timedelta(weeks=k) for k in range(3)]
CHARTS = ("trend-empathy", "funnel", "items", "heatmap", "recommend")

# Text that is the same in both languages: names, abbreviations, numbers and words that
# Spanish shares with English. Everything else on the English page must change.
# The clinics, the provider and the user have Spanish names, so no English word hides in them.
NAMES = ("Clínica San Rafael", "Centro Médico Olivar", "Consultorio Pinar", "Dra. Ana Ruiz")
SAME_IN_BOTH = {"Compassion Portal", "NPS", "CSV", "XmR", "gerente", *NAMES}
SAME_WORDS = {
    "compassion",
    "portal",
    "nps",
    "csv",
    "xmr",
    "gerente",
    "clínica",
    "san",
    "rafael",
    "centro",
    "médico",
    "olivar",
    "consultorio",
    "pinar",
    "dra",
    "ana",
    "ruiz",
    "control",
    "real",  # Spanish words too ("control estadístico", "un cambio real")
    "feb",
    "mar",  # month abbreviations in the dates, the same in both languages
}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def submit(instrument, clinic, count, *, when, provider=None, offset=0):
    definition = instrument_definition(instrument)
    for i in range(count):
        k = i + offset
        answers = {
            item.id: (k * 3 + p) % 11 if item.scale.max == 10 else 1 + (k + p) % 5
            for p, item in enumerate(definition.items)
        }
        response_submit(
            instrument=instrument,
            clinic=clinic,
            provider=provider,
            answers=answers,
            language="es",
            now=when + dt.timedelta(minutes=i),
        )


@pytest.fixture
def manager_client(client, instrument):
    """A manager of three clinics with data for every chart: two large clinics over three
    weeks and the previous period, and one too small to show (suppression notes)."""
    from django.contrib.auth.models import User

    clinic_a, clinic_b, small = (
        Clinic.objects.create(name=name, slug=f"clinic-{i}", timezone="America/New_York")
        for i, name in enumerate(NAMES[:3])
    )
    provider = Provider.objects.create(clinic=clinic_a, display_name=NAMES[3])
    for week, when in enumerate(WEEKS):
        submit(instrument, clinic_a, 14, when=when, provider=provider, offset=week)
        submit(instrument, clinic_b, 12, when=when, offset=week + 5)
    submit(instrument, clinic_a, 15, when=PREVIOUS_DAY)
    submit(instrument, small, 3, when=WEEKS[0])
    for i in range(30):
        sent = WEEKS[0] if i < 24 else PREVIOUS_DAY
        visit = Visit.objects.create(clinic=clinic_a, external_id=f"V{i}", occurred_at=sent)
        Invitation.objects.create(
            visit=visit,
            channel="email",
            token_salt=f"s{i}",
            token_hash=f"h{i}",
            expires_at=sent + dt.timedelta(days=30),
            sent_at=sent,
            sent_local_date=clinic_local_date(clinic_a, sent),
            used_at=sent + dt.timedelta(hours=2) if i % 3 else None,
        )
    rollup_buckets_mark_dirty(
        clinic_a, clinic_local_date(clinic_a, WEEKS[0]), clinic_local_date(clinic_a, PREVIOUS_DAY)
    )
    dirty_buckets_drain()
    user = User.objects.create_user("gerente", password="not-used-here")
    for clinic in (clinic_a, clinic_b, small):
        ClinicMembership.objects.create(user=user, clinic=clinic)
    client.force_login(user)
    return client


class _VisibleText(HTMLParser):
    """Text nodes (not script or style) and the labels screen readers read out."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.figures: list[dict] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self._in = tag if tag in ("script", "style") else None
        if tag == "script" and attributes.get("type") == "application/json":
            self._in = "figure"
        for name in ("aria-label", "title", "placeholder", "alt"):
            if attributes.get(name):
                self.texts.append(attributes[name])

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "figure":
            self.figures.append(json.loads(data))
        elif self._in is None and data.strip():
            self.texts.append(data)


TEXT_KEYS = {"name", "text", "hovertemplate", "customdata"}  # what plotly shows as words


def figure_texts(node, key=None):
    """Every string plotly draws or shows on hover: titles, axis titles, legend names,
    annotations, bar and heatmap text, hover templates (not colours, modes or symbols)."""
    if isinstance(node, dict):
        for child_key, child in node.items():
            yield from figure_texts(child, child_key)
    elif isinstance(node, list):
        for child in node:
            yield from figure_texts(child, key)
    elif isinstance(node, str) and key in TEXT_KEYS:
        yield node


def captions(html: str) -> set[str]:
    """The page's visible captions, cleaned of plotly markup, placeholders and numbers;
    only captions with a word in them."""
    parser = _VisibleText()
    parser.feed(html)
    found = set(parser.texts)
    for figure in parser.figures:
        found.update(figure_texts(figure))
    cleaned = set()
    for text in found:
        text = re.sub(r"%\{[^}]*\}|<extra>|</extra>|<br>", " ", text)
        text = " ".join(text.split())
        if re.search(r"[^\W\d_]{2,}", text):
            cleaned.add(text)
    return cleaned


def words(texts: set[str]) -> set[str]:
    return {w.lower() for text in texts for w in re.findall(r"[^\W\d_]{3,}", text)}


def page(client, language: str) -> str:
    response = client.get(reverse("analytics:dashboard"), PERIOD, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_spanish_dashboard_has_no_english_caption_in_the_page_or_its_figures(manager_client):
    english_page = page(manager_client, "en")
    english = captions(english_page)
    for chart in CHARTS:  # every chart is on the page, with its figure
        assert f'id="figure-{chart}"' in english_page
    assert "vs the previous 28 days" in english_page and "fewer than 10 responses" in english_page
    assert "Week starting" in english_page and "95% CI" in english_page

    spanish_page = page(manager_client, "es")
    spanish = captions(spanish_page)

    assert 'lang="es"' in spanish_page
    assert sorted(english & spanish - SAME_IN_BOTH) == []
    # A caption half translated ("Empatía: weekly trend") keeps an English word.
    left = sorted(words(english) & words(spanish) - SAME_WORDS)
    assert left == [], left


def test_spanish_dashboard_writes_decimal_commas_and_spanish_notes(manager_client):
    spanish_page = page(manager_client, "es")

    tile = re.search(r'id="tile-empathy">(.*?)</li>', spanish_page, re.S).group(1)
    assert re.search(r'data-value="\d+,\d"', tile)
    assert re.search(r"IC del 95% de \d+,\d a \d+,\d", tile)
    assert "frente a los 28 días anteriores" in tile
    assert "menos de 10 respuestas" in spanish_page
    heatmap = re.search(
        r'<script id="figure-heatmap" type="application/json">(.*?)</script>', spanish_page
    ).group(1)
    cells = [cell for row in json.loads(heatmap)["data"][0]["text"] for cell in row]
    assert any(re.fullmatch(r"\d+,\d", cell) for cell in cells), cells  # written into the figure
    assert "Nunca se muestran grupos de menos de 10 respuestas." in spanish_page


def test_spanish_page_after_an_english_one_never_gets_the_cached_english_figures(
    manager_client,
):
    """The first page fills the cache (the dashboard and its rendered HTML); the second, at
    the same filters in Spanish, must not be served from it."""
    english_page = page(manager_client, "en")
    assert "Empathy: weekly trend" in english_page

    spanish_page = page(manager_client, "es")

    assert "Empatía: evolución semanal" in spanish_page
    assert "Empathy: weekly trend" not in spanish_page
    figure = re.search(
        r'<script id="figure-heatmap" type="application/json">(.*?)</script>', spanish_page
    ).group(1)
    assert json.loads(figure)["layout"]["xaxis"]["title"]["text"] == "Clínica"
    assert page(manager_client, "en").count("Empathy: weekly trend") >= 1  # still cached in EN


def test_spanish_chart_csv_has_spanish_headers(manager_client):
    response = manager_client.get(
        reverse("analytics:dashboard_csv", args=["trend-empathy"]),
        PERIOD,
        HTTP_ACCEPT_LANGUAGE="es",
    )
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Periodo,Respuestas,Puntuación,IC 95% inferior")
