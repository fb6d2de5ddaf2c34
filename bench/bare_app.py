"""The ceiling for bench/submit.py: a bare Django app, one file, served by the same gunicorn.

/insert/ stores 12 small integers and a comment (one INSERT, autocommit), /ok/ answers "ok".
No middleware, no templates: what Django itself costs on this machine.

    DATABASE_URL=postgres://... gunicorn --chdir bench bare_app:application
"""

from __future__ import annotations

import os

import dj_database_url
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS bench_bare_response (id bigserial PRIMARY KEY, "
    + ", ".join(f"q{n} smallint" for n in range(1, 13))
    + ", comment text NOT NULL)"
)
INSERT_SQL = (
    "INSERT INTO bench_bare_response ("
    + ", ".join(f"q{n}" for n in range(1, 13))
    + ", comment) VALUES ("
    + ", ".join(["%s"] * 13)
    + ")"
)


@csrf_exempt
def insert(request):
    values = [int(request.POST.get(f"q{n}", "3")) for n in range(1, 13)]
    with connection.cursor() as cursor:
        cursor.execute(INSERT_SQL, [*values, request.POST.get("comment", "")])
    return HttpResponse("stored")


def ok(request):
    return HttpResponse("ok")


urlpatterns = [path("insert/", insert), path("ok/", ok)]

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        DATABASES={"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)},
    )

application = get_wsgi_application()
