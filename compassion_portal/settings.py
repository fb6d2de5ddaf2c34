"""Settings for Compassion Portal: one module; deploy-specific values come from the environment.

The embedded default (no environment at all) is the demo: SQLite in the project folder, tasks run
in-process, e-mails written to var/mail. Set DATABASE_URL and REDIS_URL for PostgreSQL + Redis.
"""

import os
from pathlib import Path

import dj_database_url
import plotly
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false).")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def env_float(name: str, default: float, *, minimum: float, maximum: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(f"{name}={value} must be between {minimum} and {maximum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


DEBUG = env_bool("DEBUG", default=False)


def _secret_key_from_file(path: Path) -> str:
    """A random key kept in var/ so a machine without SECRET_KEY never runs on a known key."""
    import secrets

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY") or _secret_key_from_file(BASE_DIR / "var" / "secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Public address used in invitation links sent by e-mail/SMS.
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "feedback",
    "analytics",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "feedback.middleware.PatientOnlyLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # An idle or too old session ends first; only a live one is asked for its second factor.
    "accounts.sessions.StaffSessionLimitsMiddleware",
    "accounts.middleware_two_factor.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # A view that loses the database answers 503 "try again in a minute" (templates/503.html).
    "feedback.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "compassion_portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "compassion_portal.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# A PostgreSQL streaming replica of the same database, for dashboard and export reads only
# (analytics.read_replica); every write and rollup recompute stays on the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    # Under test the alias is the test database itself (a replica has no test copy of its own).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["analytics.read_replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "cp"),
            # A cache outage must never hang a patient's submission.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # {% cache %} fragments: the same Redis, but a cache error there never fails the page.
    CACHES["template_fragments"] = {
        **CACHES["default"],
        "BACKEND": "analytics.dashboard.cache.FragmentRedisCache",
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "accounts:login"

# Server side runs in UTC; each clinic has its own timezone for display and daily buckets.
LANGUAGE_CODE = "en"
# The one list of languages: patient pages, model choices, filters and imports all read it, so
# adding one needs no migration. Arabic (right to left) covers the patient pages only, as a draft
# translation awaiting a native speaker's review; staff pages fall back to LANGUAGE_CODE for a
# language listed in PATIENT_ONLY_LANGUAGES.
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("ar", _("Arabic"))]
PATIENT_ONLY_LANGUAGES = ["ar"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# plotly.js is served from the installed plotly wheel (no CDN), at static/vendor/plotly/.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/plotly", Path(plotly.__file__).resolve().parent / "package_data"),
]
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

# Strict CSP: no inline scripts anywhere; plotly needs inline styles.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=False)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
    # Only when every subdomain is served over HTTPS too; preload asks browsers to hard-code it.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", default=False) else None
)

# Request bodies: a survey is small; anything far larger is refused with a 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 64 * 1024, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# E-mail: EMAIL_URL is smtp://user:password@host:587?tls=true (or smtps://...), console:, or
# file:///path. The default writes each message to a file in var/mail.


def mailer_from_url(url: str) -> dict:
    from urllib.parse import parse_qs, unquote, urlparse

    parsed = urlparse(url)
    backends = "django.core.mail.backends."
    if parsed.scheme == "console":
        return {"BACKEND": backends + "console.EmailBackend"}
    if parsed.scheme == "file":
        return {
            "BACKEND": backends + "filebased.EmailBackend",
            "OPTIONS": {"file_path": unquote(parsed.path)},
        }
    if parsed.scheme in ("smtp", "smtps"):
        query = {k: v[-1].lower() for k, v in parse_qs(parsed.query).items()}
        return {
            "BACKEND": backends + "smtp.EmailBackend",
            "OPTIONS": {
                "host": parsed.hostname or "localhost",
                "port": parsed.port or (465 if parsed.scheme == "smtps" else 25),
                "username": unquote(parsed.username or ""),
                "password": unquote(parsed.password or ""),
                "use_ssl": parsed.scheme == "smtps",
                "use_tls": query.get("tls") in _TRUE,
                "timeout": 10,
            },
        }
    raise ImproperlyConfigured(
        f"EMAIL_URL={url!r}: use smtp://, smtps://, console: or file:///path."
    )


MAILERS = {"default": mailer_from_url(env_str("EMAIL_URL", f"file://{BASE_DIR / 'var' / 'mail'}"))}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Compassion Portal <no-reply@localhost>")
# SMS: a dotted path to a callable(to: str, body: str); the default writes to var/sms.
SMS_BACKEND = env_str("SMS_BACKEND", "feedback.sms.FileSmsBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(BASE_DIR / "var" / "sms"))

# Product rules (see ../shared/METHODS.md and the issues).
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14, minimum=1)
INVITATION_REMINDER_AFTER_DAYS = env_int("INVITATION_REMINDER_AFTER_DAYS", 2, minimum=1)
INVITATION_MIN_DAYS_BETWEEN = env_int("INVITATION_MIN_DAYS_BETWEEN", 30, minimum=0)
# Keyed hashes of contacts and invitation tokens; rotating it invalidates outstanding links.
INVITATION_KEY = env_str("INVITATION_KEY", SECRET_KEY)
KIOSK_RATE_LIMIT = env_int("KIOSK_RATE_LIMIT", 10, minimum=1)  # submissions per client...
KIOSK_RATE_WINDOW_SECONDS = env_int("KIOSK_RATE_WINDOW_SECONDS", 600, minimum=1)  # ...per window
# A kiosk's thank-you page (which may show a story's withdrawal code) returns to an empty survey
# after this many quiet seconds, so the next patient at the tablet never sees it.
KIOSK_IDLE_SECONDS = env_int("KIOSK_IDLE_SECONDS", 60, minimum=1)
# How many reverse proxies stand in front of the app (each appends to X-Forwarded-For); the rate
# limits then key on the client address the outermost one saw. 0: use REMOTE_ADDR.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
# Failed sign-ins (staff and admin) per username and per client address in 15 minutes.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
# Password-reset requests per e-mail address and per client address in 15 minutes.
PASSWORD_RESET_LIMIT = env_int("PASSWORD_RESET_LIMIT", 3, minimum=1)
PASSWORD_RESET_TIMEOUT = 60 * 60  # a reset link works for one hour (Django's default: 3 days)
# Staff sessions end after this long without a request, and this long after signing in.
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30, minimum=1)
STAFF_SESSION_MAX_HOURS = env_int("STAFF_SESSION_MAX_HOURS", 12, minimum=1)
# The cookie and the stored session go too, at the latest when the absolute limit would end them.
SESSION_COOKIE_AGE = STAFF_SESSION_MAX_HOURS * 60 * 60
# Two-factor sign-in (TOTP, django-otp): optional for staff; admins must set it up when true.
REQUIRE_ADMIN_2FA = env_bool("REQUIRE_ADMIN_2FA", default=False)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Compassion Portal")  # name shown in the app
MIN_GROUP_SIZE = env_int("MIN_GROUP_SIZE", 10, minimum=1)
# Staff wellbeing pulse results are never shown for fewer respondents; never below 3, since staff
# groups are small enough that two answers could be told apart.
STAFF_MIN_GROUP_SIZE = env_int("STAFF_MIN_GROUP_SIZE", 5, minimum=3)
LOW_RELIABILITY_N = env_int("LOW_RELIABILITY_N", 30, minimum=1)
# A clinic's managers are e-mailed when a complete week's share of detractors (likelihood to
# recommend 0-6) reaches this, on at least MIN_GROUP_SIZE answers, after a week below it.
ALERT_DETRACTOR_SHARE = env_float("ALERT_DETRACTOR_SHARE", 0.25, minimum=0.0, maximum=1.0)
# Days compared before and after an intervention (its own period left out).
INTERVENTION_WINDOW_DAYS = env_int("INTERVENTION_WINDOW_DAYS", 90, minimum=7)
# Exports: more rows than this run as a background job with a progress bar; files are kept
# for EXPORT_FILE_TTL_HOURS, outside any served folder, then deleted.
EXPORT_ASYNC_THRESHOLD = env_int("EXPORT_ASYNC_THRESHOLD", 20_000, minimum=0)
EXPORT_FILE_TTL_HOURS = env_int("EXPORT_FILE_TTL_HOURS", 24, minimum=1)
EXPORT_CHUNK_ROWS = env_int("EXPORT_CHUNK_ROWS", 10_000, minimum=1)
EXPORT_ROOT = Path(env_str("EXPORT_ROOT", str(BASE_DIR / "var" / "exports")))
# A job still queued this long after its task was sent is sent again (the broker may have lost
# the message, e.g. it was down when the export was asked for); beat checks every minute.
EXPORT_REQUEUE_AFTER_SECONDS = env_int("EXPORT_REQUEUE_AFTER_SECONDS", 120, minimum=1)
# The machine API (integrations): a call's body size and number of visits, calls per token per
# window, FHIR Bundle page size; webhooks' time limit, and whether plain http to a loopback
# address is allowed for a webhook (development and tests only; HTTPS otherwise).
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 256 * 1024, minimum=1024)
API_MAX_ITEMS = env_int("API_MAX_ITEMS", 200, minimum=1)
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 60, minimum=1)
API_RATE_WINDOW_SECONDS = env_int("API_RATE_WINDOW_SECONDS", 60, minimum=1)
FHIR_PAGE_SIZE = env_int("FHIR_PAGE_SIZE", 100, minimum=1)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
WEBHOOK_ALLOW_HTTP_LOOPBACK = env_bool("WEBHOOK_ALLOW_HTTP_LOOPBACK", default=DEBUG)
# A pending delivery untouched this long (longer than the whole retry schedule) lost its
# message, e.g. the broker was down when the follow-up opened; beat sends it again.
WEBHOOK_RESEND_AFTER_SECONDS = env_int("WEBHOOK_RESEND_AFTER_SECONDS", 15 * 60, minimum=60)
DEFAULT_INSTRUMENT_SLUG = env_str("DEFAULT_INSTRUMENT_SLUG", "compassionate-care")

# Celery: with no REDIS_URL, tasks run in-process so the demo needs no broker.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60, minimum=1)
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TIMEZONE = "UTC"
# One queue per kind of work, so a long export or a burst of e-mail never delays aggregation
# (the 60-second promise). docker-compose.yml starts one worker per queue group; a worker started
# without -Q consumes every queue (the demo, the tests). "celery" takes anything not routed.
CELERY_QUEUES_ALL = ("celery", "aggregation", "mail", "exports", "comments")
CELERY_TASK_QUEUES = [Queue(name) for name in CELERY_QUEUES_ALL]
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "analytics.tasks.rollups_drain": {"queue": "aggregation"},
    "analytics.tasks.rollups_reconcile_recent": {"queue": "aggregation"},
    "feedback.tasks.invitation_send": {"queue": "mail"},
    "feedback.tasks.invitation_reminders_send": {"queue": "mail"},
    "feedback.tasks.invitation_contacts_erase": {"queue": "mail"},
    "feedback.tasks.kudos_digests_send": {"queue": "mail"},
    # Outbound messages of other apps (on main by merge time): reports, alerts, webhooks.
    "analytics.tasks.monthly_reports_send": {"queue": "mail"},
    "analytics.tasks.trend_alerts_run": {"queue": "mail"},
    "integrations.tasks.webhook_deliver": {"queue": "mail"},
    "integrations.tasks.webhooks_resend_pending": {"queue": "mail"},
    "analytics.exports.tasks.export_job_run": {"queue": "exports"},
    "analytics.exports.tasks.exports_expire": {"queue": "exports"},
    "analytics.exports.tasks.exports_resend_queued": {"queue": "exports"},
    "analytics.tasks_comments.comments_analyse_pending": {"queue": "comments"},
}
CELERY_BEAT_SCHEDULE = {
    "invitation-reminders": {
        "task": "feedback.tasks.invitation_reminders_send",
        "schedule": 15 * 60,
    },
    "invitation-contacts-erase": {
        "task": "feedback.tasks.invitation_contacts_erase",
        "schedule": 60 * 60,
    },
    # Dirty buckets the coalesced on-commit task missed (e.g. Redis was down): within a minute.
    "rollups-drain": {"task": "analytics.tasks.rollups_drain", "schedule": 60},
    # Nightly at 03:15 UTC: recompute the last 35 days from the raw data.
    "rollups-reconcile": {
        "task": "analytics.tasks.rollups_reconcile_recent",
        "schedule": crontab(hour=3, minute=15),
    },
    # Expired export files deleted; jobs stuck past their time limit marked failed.
    "exports-expire": {"task": "analytics.exports.tasks.exports_expire", "schedule": 10 * 60},
    # Export jobs whose message was lost (broker down when asked for) are sent again.
    "exports-resend": {"task": "analytics.exports.tasks.exports_resend_queued", "schedule": 60},
    # Weekly, Monday 07:00 UTC: each opted-in provider's new thanks from patients.
    "kudos-digests": {
        "task": "feedback.tasks.kudos_digests_send",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
    # Daily 06:00 UTC, after the nightly rollup re-check: new signals on complete weeks, mailed
    # once to the clinic's managers.
    "trend-alerts": {
        "task": "analytics.tasks.trend_alerts_run",
        "schedule": crontab(hour=6, minute=0),
    },
    # First of the month, 07:30 UTC: the monthly leadership report to those who opted in.
    "monthly-reports": {
        "task": "analytics.tasks.monthly_reports_send",
        "schedule": crontab(day_of_month=1, hour=7, minute=30),
    },
    # Webhook deliveries whose message was lost (broker down when the follow-up opened).
    "webhooks-resend": {"task": "integrations.tasks.webhooks_resend_pending", "schedule": 5 * 60},
    # Comments whose on-commit analysis was missed (e.g. the broker was down).
    "comments-analyse": {
        "task": "analytics.tasks_comments.comments_analyse_pending",
        "schedule": 5 * 60,
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Invitation tokens never reach a log line (Django logs the path of every 4xx/5xx).
    "filters": {"invitation_tokens": {"()": "feedback.log_redaction.InvitationTokenFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["invitation_tokens"]},
        # runserver's request lines, formatted as Django does, but with tokens redacted.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["invitation_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default config gives "django" a console handler of its own (printing under
        # DEBUG) while it also propagates to the root's: every line was printed twice under
        # `make run`, the second time without the token filter. Naming the logger here drops
        # that handler; its records reach the root's console once.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
