"""Template tags of the patient pages: the language switch, which keeps the page's address."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("feedback/_language_switch.html", takes_context=True)
def language_switch(context) -> dict:
    """Links to this page in each offered language (``languages`` in the context, else every
    one of LANGUAGES); the rest of the query string (?kiosk=, ?clinic=) is kept."""
    request = context["request"]
    codes = context.get("languages") or [code for code, _name in settings.LANGUAGES]
    links = []
    for code in codes:
        query = request.GET.copy()
        query["lang"] = code
        links.append((code, "?" + query.urlencode()))
    return {"links": links}
