"""The blank survey form's HTML, rendered once per instrument version, language and address.

Rendering the questions through crispy-forms cost most of a survey GET. A blank form differs
between patients only by its CSRF token, so it is rendered once with a placeholder in the token's
place and the patient's own token is put in on every request. Forms with answers or errors are
never cached: they are rendered as before.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from crispy_forms.utils import render_crispy_form
from django.conf import settings
from django.forms import Form
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe

# Letters and digits only, so HTML escaping leaves it as it is; never a real token (64 chars).
CSRF_PLACEHOLDER = "csrfTokenPlaceholderForTheCachedSurveyForm"
# A few instruments times a few languages; a bound keeps a surprise from growing without end.
MAX_CACHED_FORMS = 256

_HTML: dict[Hashable, str] = {}


def blank_survey_form_html(
    request: HttpRequest, *, key: Hashable, form_new: Callable[[], Form]
) -> SafeString:
    """The blank form ``form_new()`` renders to, with this request's CSRF token.

    ``key`` must name everything the HTML depends on besides the token (instrument version,
    language, form action). The active language must be the page's: labels are translated at
    render time. With DEBUG on, nothing is cached, so template edits show at once.
    """
    html = _HTML.get(key)
    if html is None:
        html = render_crispy_form(form_new(), context={"csrf_token": CSRF_PLACEHOLDER})
        if not settings.DEBUG:
            if len(_HTML) >= MAX_CACHED_FORMS:
                _HTML.clear()
            _HTML[key] = html
    # get_token also makes sure the response sets the CSRF cookie, as {% csrf_token %} does.
    return mark_safe(html.replace(CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308 - rendered by our templates
