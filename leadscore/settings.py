"""
Leadscore settings, read from the environment.

With nothing set, the app runs on a SQLite file with Celery tasks executed eagerly in-process,
so a newcomer needs no other service. Set DATABASE_URL and CELERY_BROKER_URL for PostgreSQL and a
real worker (see README.md, "Production").
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Development is the default so `make demo` works with no configuration; production sets DEBUG=0.
DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Only ever used with DEBUG on; a production deployment must set its own.
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "django_htmx",
    "template_partials",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "contacts",
    "scoring",
    "routing",
    "integrations",
    "reports",
    "predictive",
    "website",
    "workspace",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Under /api/: oversized bodies refused early (413) and every error answered in JSON.
    "integrations.limits.ApiJsonErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page requires login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "leadscore.urls"
WSGI_APPLICATION = "leadscore.wsgi.application"
ASGI_APPLICATION = "leadscore.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: PostgreSQL compiles any query it estimates above jit_above_cost, on
    # every run, and the compile outweighs short queries with a pessimistic estimate. Latest
    # outcome per contact (contacts.selectors.contacts_with_outcome) ran in 9 ms, and in 350-700 ms
    # with JIT, on each what-if, backtest and model training (20,000 contacts). A deployment that
    # wants JIT back sets `options` in DATABASE_URL.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a seed or rescore writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # Web, worker and beat write to the same file in the embedded default: wait for the lock
    # rather than fail at once.
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 30)
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "leadscore@localhost")
# Where links in emails point, e.g. https://leads.example.com (no trailing slash).
LEADSCORE_BASE_URL = os.environ.get("LEADSCORE_BASE_URL", "http://127.0.0.1:8000")

# Webhook receivers inside your own network (private ranges, loopback) need this on; link-local,
# multicast and reserved addresses are refused regardless (routing.webhook_http).
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)

# Production HTTPS: secure cookies, HSTS and the redirect to https default on with DEBUG off;
# behind a TLS proxy, SECURE_PROXY_SSL_HEADER says which header carries the original scheme.
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
# Preloading is a commitment for the whole domain (hstspreload.org): the site owner opts in.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# e.g. "HTTP_X_FORWARDED_PROTO,https": only set it when your proxy overwrites that header.
_proxy_header = env_list("SECURE_PROXY_SSL_HEADER", "")
if _proxy_header:
    if len(_proxy_header) != 2:
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER is 'HEADER,value', e.g. 'HTTP_X_FORWARDED_PROTO,https'."
        )
    SECURE_PROXY_SSL_HEADER = (_proxy_header[0], _proxy_header[1])
# The load balancer's health check may come over plain http: exempt it from the redirect.
SECURE_REDIRECT_EXEMPT = env_list("SECURE_REDIRECT_EXEMPT", "")

# A shared cache (Redis) for API throttle counters and sessions, so several web workers agree:
# REDIS_URL, or else the Celery broker when it is Redis. Without either, the local memory cache
# (one process, development) and database sessions.
# CACHE_URL is accepted as another name for it.
REDIS_URL = os.environ.get("REDIS_URL", "") or os.environ.get("CACHE_URL", "")
_broker = os.environ.get("CELERY_BROKER_URL", "")
CACHE_URL = REDIS_URL or (_broker if _broker.startswith(("redis://", "rediss://")) else "")
if CACHE_URL:
    CACHES = {
        "default": {
            # clear() removes only our keys: the database may be the broker's.
            "BACKEND": "leadscore.cache.PrefixedRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "leadscore"),
            # A Redis that does not answer is skipped, not waited for (leadscore.cache).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    # Sessions in the cache, written through to the database so a cache flush logs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Outbound posts (Slack) may go to http:// and to this machine or a private network only in
# development; production refuses them (SSRF).
OUTBOUND_ALLOW_LOCAL = env_bool("OUTBOUND_ALLOW_LOCAL", default=DEBUG)

# A recycled lead (rejected by sales) qualifies again only on a new hand-raise or this many
# interest points earned after it was recycled (scoring.recycling).
SCORING_RECYCLED_REQUALIFY_POINTS = float(os.environ.get("SCORING_RECYCLED_REQUALIFY_POINTS", "20"))

# A full rescore is cut into slices of 1,000 contacts that any worker takes in turn: the worker
# that starts a run asks for this many workers in all (scoring.services.rescore_runs).
SCORING_RESCORE_WORKERS = max(1, int(os.environ.get("SCORING_RESCORE_WORKERS", "4")))
# A worker's task takes slices for about this long, then sends itself to the back of the queue:
# tasks sent meanwhile (routing a lead that hand-raised during the run) wait at most this long
# plus a slice for a worker, not for the whole run.
SCORING_RESCORE_TASK_SECONDS = float(os.environ.get("SCORING_RESCORE_TASK_SECONDS", "2"))

# Celery: without a broker, tasks run eagerly in the calling process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded default's real worker (`make demo`, scripts/demo-serve): kombu's filesystem
    # transport passes messages through a folder, so no broker server is needed. One machine
    # only: web, worker and beat must share the folder.
    _broker_folder = Path(
        os.environ.get("CELERY_BROKER_FOLDER") or BASE_DIR / "var" / "celery-broker"
    )
    _broker_folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_folder),
        "data_folder_out": str(_broker_folder),
        # The exchange tables too (kombu's default is ./control, in whatever the cwd is).
        "control_folder": str(_broker_folder / "control"),
        "store_processed": False,
        "polling_interval": 0.5,
    }
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else None
)
# No task's result is read (their work is in the database): a task sent must not wait on a
# result backend, which by default is the broker's Redis and, while that is down, retried for
# about 19 s after the web request had committed. leadscore.celery.ping reads its result.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# A web request that commits a change must not hang on a broker that is down: sending a task
# fails fast (the work is in a durable record: the outbox or a rescore run, re-driven by beat).
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_TASK_PUBLISH_RETRY = False
if not CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
        "max_retries": 0,
    }
# A worker (and beat) whose broker went away retries for as long as it takes: Celery's default
# gives up after 100 tries (about 47 minutes at its 30 s cap), and a worker that gave up
# delivers nothing the re-drive sends until something restarts it.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Stored bands and MQL state follow decay, windows and activities dated in the future;
    # leads that cross the MQL rule through time alone qualify. Pages compute "now" on read.
    # Every minute: a demo request dated a few minutes ahead is routed within a minute of its
    # time. A run rewrites only the scores time moved: 0.21 s at 100k contacts (bench scoring).
    "scoring-refresh-time": {"task": "scoring.refresh_decay", "schedule": 60.0},
    # Account scores follow their contacts' decay and the buying-group window; MQAs by time.
    "scoring-refresh-accounts": {"task": "scoring.refresh_accounts_time", "schedule": 300.0},
    # Outbox messages and rescore runs whose task the broker did not take (it was down): every
    # 20 s, so that once the broker is back a qualification is routed well within a minute
    # (a tick, the 5 s a message is left to its own task, and the worker's reconnection).
    "scoring-redrive-outbox": {"task": "scoring.redrive_outbox", "schedule": 20.0},
    # Leads whose acceptance SLA ran out go to the next eligible rep.
    "routing-check-sla": {"task": "routing.check_sla", "schedule": 60.0},
    # Webhook and Slack retries a broker lost (or that eager mode could not schedule).
    "routing-retry-due-deliveries": {"task": "routing.retry_due_deliveries", "schedule": 60.0},
    # The predictive score retrains once a week on the won and lost leads known by then.
    "predictive-retrain-weekly": {"task": "predictive.retrain_weekly", "schedule": 7 * 86400.0},
    # Anonymous website visitors are forgotten after WEBSITE_VISITOR_RETENTION_DAYS.
    "website-purge-visitors": {"task": "website.purge_visitors", "schedule": 86400.0},
}

# Website tracking and forms (website/).
WEBSITE_VISITOR_RETENTION_DAYS = int(os.environ.get("WEBSITE_VISITOR_RETENTION_DAYS", "90"))
WEBSITE_IDENTIFY_TOKEN_MAX_AGE_DAYS = int(
    os.environ.get("WEBSITE_IDENTIFY_TOKEN_MAX_AGE_DAYS", "90")
)
WEBSITE_COLLECT_RATE = os.environ.get("WEBSITE_COLLECT_RATE", "120/min")
WEBSITE_FORM_RATE = os.environ.get("WEBSITE_FORM_RATE", "10/min")
# Reverse proxies in front of the app whose X-Forwarded-For is trusted for the client address.
WEBSITE_PROXY_COUNT = int(os.environ.get("WEBSITE_PROXY_COUNT", "0"))

# The largest request body: a bulk request of 10,000 contacts shaped like the README's example
# is about 3 MB, with many custom properties a few times that. Bigger bodies answer 413.
API_MAX_REQUEST_BYTES = int(os.environ.get("API_MAX_REQUEST_MB", "32")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_REQUEST_BYTES

REST_FRAMEWORK = {
    # JSON only, with bounded depth, key and text sizes (integrations.limits). The browsable
    # API and Swagger UI send JSON too.
    "DEFAULT_PARSER_CLASSES": ["integrations.limits.BoundedJSONParser"],
    # API keys first, so an unauthenticated request gets 401 with WWW-Authenticate: Bearer;
    # the session serves the browsable API and Swagger UI.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["integrations.permissions.HasScopeAndRole"],
    # A query parameter an endpoint does not take is a 400, not silently ignored.
    "DEFAULT_FILTER_BACKENDS": [
        "integrations.filters.KnownQueryParameters",
        "django_filters.rest_framework.DjangoFilterBackend",
    ],
    "DEFAULT_PAGINATION_CLASS": "integrations.api.ApiCursorPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "integrations.schema.StrictAutoSchema",
    "EXCEPTION_HANDLER": "integrations.exceptions.api_exception_handler",
    # Counters live in the default cache: use a shared cache (Redis) with several web workers.
    "DEFAULT_THROTTLE_CLASSES": [
        "integrations.throttling.ApiKeyRateThrottle",
        "integrations.throttling.ApiKeyBulkRateThrottle",
        "integrations.throttling.SessionUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": os.environ.get("API_KEY_RATE", "1200/min"),
        "api_key_bulk": os.environ.get("API_KEY_BULK_RATE", "120/min"),
        "user": os.environ.get("API_SESSION_RATE", "600/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Leadscore API",
    "DESCRIPTION": (
        "Companies, contacts, activities, scores and scoring rules. Authenticate with an API "
        "key (`Authorization: Bearer lsk_…`, created in the admin) or a session. Writes upsert "
        "(contacts by email, companies by domain) and events are idempotent by "
        "(source, external_id); bulk endpoints take up to 10,000 rows and answer per row."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The system's fonts: Redoc's own (Montserrat, Roboto) would come from Google's CDN.
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
                "headings": {
                    "fontFamily": "system-ui, -apple-system, 'Segoe UI', Arial, sans-serif"
                },
            }
        }
    },
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "displayOperationId": False},
    # Every operation documents the API's error answers (integrations.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integrations.schema.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "LifecycleStageEnum": "contacts.models.LifecycleStage",
        "LeadSourceEnum": "contacts.models.LeadSource",
        "ActivityKindEnum": "contacts.models.ActivityKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
