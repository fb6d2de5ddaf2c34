"""Comment analytics: sentiment and themes of each comment and testimonial, and their trends.

Writes (the analysis of a response, the drain of responses not yet analysed) recompute rather
than increment, so a task run twice stores the same rows. Reads aggregate in SQL (one GROUP BY
over the analysis and theme rows) and apply small-group suppression before anything is shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek

from analytics.charts.comments import CommentPeriod, comment_granularity
from analytics.comments.sentiment import sentiment_of
from analytics.comments.themes import Taxonomy, taxonomy_load
from analytics.stats.suppression import breakdown_suppression, is_suppressed
from feedback.models import Clinic, CommentAnalysis, CommentTheme, Provider, Response, Testimonial
from feedback.redaction import redact

PENDING_BATCH = 500


def _texts_of(response: Response) -> dict[str, str]:
    """{source: text} to analyse: the comment as written, the testimonial as redacted."""
    texts = {}
    if response.comment.strip():
        texts[CommentAnalysis.Source.COMMENT] = response.comment
    testimonial = getattr(response, "testimonial", None)
    if testimonial is not None and testimonial.text.strip():
        texts[CommentAnalysis.Source.TESTIMONIAL] = testimonial.text
    return texts


@transaction.atomic
def comment_analyse(*, response: Response, taxonomy: Taxonomy | None = None) -> int:
    """(Re)compute the analyses of one response's texts; returns how many were stored."""
    taxonomy = taxonomy or taxonomy_load()
    texts = _texts_of(response)
    CommentAnalysis.objects.filter(response=response).exclude(source__in=list(texts)).delete()
    for source, text in texts.items():
        sentiment = sentiment_of(text, language=response.language)
        analysis, _created = CommentAnalysis.objects.update_or_create(
            response=response,
            source=source,
            defaults={
                "clinic_id": response.clinic_id,
                "local_date": response.local_date,
                "language": response.language,
                "sentiment_score": sentiment.score,
                "sentiment_label": sentiment.label,
            },
        )
        analysis.themes.all().delete()
        CommentTheme.objects.bulk_create(
            CommentTheme(analysis=analysis, theme=theme)
            for theme in taxonomy.tag(text, language=response.language)
        )
    return len(texts)


def responses_pending_analysis() -> QuerySet[Response]:
    """Responses with a comment or testimonial that has no analysis yet (or lost it on edit)."""
    analysed = CommentAnalysis.objects.filter(response=OuterRef("pk"))
    testimonial_text = Testimonial.objects.filter(response=OuterRef("pk")).exclude(text="")
    return Response.objects.filter(
        (~Q(comment="") & ~Exists(analysed.filter(source=CommentAnalysis.Source.COMMENT)))
        | (
            Exists(testimonial_text)
            & ~Exists(analysed.filter(source=CommentAnalysis.Source.TESTIMONIAL))
        )
    ).order_by("pk")


def comments_analyse_pending(*, limit: int = PENDING_BATCH) -> int:
    """Analyse up to ``limit`` pending responses; what a burst of submissions enqueues, once."""
    taxonomy = taxonomy_load()
    done = 0
    pending = responses_pending_analysis().select_related("testimonial")[:limit]
    for response in pending:
        comment_analyse(response=response, taxonomy=taxonomy)
        done += 1
    return done


def comments_analyse_backlog() -> int:
    """Analyse every pending response, batch by batch, so a backlog (an import, the demo seed, a
    broker outage) clears in one run; each batch commits on its own."""
    total = 0
    while True:
        done = comments_analyse_pending(limit=PENDING_BATCH)
        total += done
        if done < PENDING_BATCH:
            return total


# Reads ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeRow:
    theme: str
    label: str
    comments: int
    # None when the theme has fewer than MIN_GROUP_SIZE comments.
    mean_sentiment: float | None
    suppressed: bool


@dataclass(frozen=True)
class ThemeSection:
    comments: int
    # True when the clinic has fewer than MIN_GROUP_SIZE analysed comments in the period:
    # then no theme, count or sentiment is shown at all.
    suppressed: bool
    min_group_size: int
    themes: list[ThemeRow]
    # Weeks, or months when most weeks have too few comments to be shown.
    periods: list[CommentPeriod]
    granularity: str = "week"


def _analyses(*, clinic: Clinic, start: dt.date, end: dt.date) -> QuerySet[CommentAnalysis]:
    return CommentAnalysis.objects.filter(clinic=clinic, local_date__gte=start, local_date__lt=end)


def theme_section(
    *,
    clinic: Clinic,
    start: dt.date,
    end: dt.date,
    language: str = "en",
    taxonomy: Taxonomy | None = None,
) -> ThemeSection:
    """Theme frequency, mean sentiment per theme and per week (or month) for one clinic, in
    [start, end). Four GROUP BY queries, whatever the number of comments.
    """
    taxonomy = taxonomy or taxonomy_load()
    min_n = settings.MIN_GROUP_SIZE
    analyses = _analyses(clinic=clinic, start=start, end=end)
    total = analyses.count()
    if is_suppressed(total, min_group_size=min_n):
        return ThemeSection(total, True, min_n, [], [])

    by_theme = {
        row["theme"]: row
        for row in CommentTheme.objects.filter(analysis__in=analyses)
        .values("theme")
        .annotate(n=Count("analysis"), mean=Avg("analysis__sentiment_score"))
    }
    themes = []
    for theme in taxonomy.themes:
        row = by_theme.get(theme.id, {"n": 0, "mean": None})
        hidden = is_suppressed(row["n"], min_group_size=min_n)
        themes.append(
            ThemeRow(
                theme.id,
                theme.label_in(language),
                row["n"],
                None if hidden else row["mean"],
                hidden,
            )
        )

    week_totals = analyses.annotate(week=TruncWeek("local_date")).values("week")
    granularity = comment_granularity(
        [row["n"] for row in week_totals.annotate(n=Count("pk"))], min_group_size=min_n
    )
    return ThemeSection(
        total, False, min_n, themes, _comment_periods(analyses, granularity, min_n), granularity
    )


def _comment_periods(
    analyses: QuerySet[CommentAnalysis], granularity: str, min_n: int
) -> list[CommentPeriod]:
    """Comments, mean sentiment and theme mentions per week or month, in two GROUP BY queries.
    The periods add up to the count shown in the heading, so a hidden period takes its
    complement with it (breakdown_suppression); hidden periods carry no numbers."""
    trunc = TruncWeek if granularity == "week" else TruncMonth
    theme_counts: dict[dt.date, dict[str, int]] = {}
    for row in (
        CommentTheme.objects.filter(analysis__in=analyses)
        .annotate(period=trunc("analysis__local_date"))
        .values("period", "theme")
        .annotate(n=Count("analysis"))
    ):
        theme_counts.setdefault(_as_date(row["period"]), {})[row["theme"]] = row["n"]
    rows = list(
        analyses.annotate(period=trunc("local_date"))
        .values("period")
        .annotate(n=Count("pk"), mean=Avg("sentiment_score"))
        .order_by("period")
    )
    hidden = breakdown_suppression(
        {index: row["n"] for index, row in enumerate(rows)}, min_group_size=min_n
    )
    periods = []
    for index, row in enumerate(rows):
        start, reason = _as_date(row["period"]), hidden.get(index)
        periods.append(
            CommentPeriod(
                start,
                row["n"],
                None if reason else row["mean"],
                reason,
                {} if reason else theme_counts.get(start, {}),
            )
        )
    return periods


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


@dataclass(frozen=True)
class ThemeComment:
    text: str
    source: str
    local_date: dt.date
    sentiment_label: str


def theme_comments(
    *, clinic: Clinic, theme: str, start: dt.date, end: dt.date
) -> tuple[int, list[ThemeComment]]:
    """(number, comments) tagged with ``theme``; the list is empty under MIN_GROUP_SIZE.

    Comments are redacted on the way out (the clinic's provider names included), as
    testimonials are on the way in: a manager reads what patients meant, not who they named.
    """
    analyses = (
        _analyses(clinic=clinic, start=start, end=end)
        .filter(themes__theme=theme)
        .select_related("response__testimonial")
        .order_by("-local_date", "-pk")
    )
    total = analyses.count()
    if is_suppressed(total, min_group_size=settings.MIN_GROUP_SIZE):
        return total, []
    providers = dict(Provider.objects.filter(clinic=clinic).values_list("pk", "display_name"))
    keep = clinic.name.split()
    comments = []
    for analysis in analyses:
        response = analysis.response
        if analysis.source == CommentAnalysis.Source.TESTIMONIAL:
            text = response.testimonial.text
        else:
            text = redact(response.comment, providers=providers, keep_words=keep).text
        comments.append(
            ThemeComment(text, analysis.source, analysis.local_date, analysis.sentiment_label)
        )
    return total, comments
