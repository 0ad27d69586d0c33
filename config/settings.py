"""Terang settings: one module, driven by environment variables.

TERANG_ENV=production switches on the secure defaults checked by `manage.py check --deploy`.
DATABASE_URL=postgres://user@host:port/name selects PostgreSQL; without it Terang uses the embedded
SQLite database under var/.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TERANG_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ya"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url: str) -> dict[str, object]:
    """Parse postgres://user:pass@host:port/name?sslmode=... (or sqlite:///path) into a DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme in {"sqlite", "sqlite3"}:
        path = unquote(parsed.path)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path[1:] if path.startswith("//") else path}
    if parsed.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ValueError(f"DATABASE_URL tidak dikenal: skema {parsed.scheme!r} (gunakan postgres:// atau sqlite://)")
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": int(os.environ.get("TERANG_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
    }


TERANG_ENV = os.environ.get("TERANG_ENV", "development")
PRODUCTION = TERANG_ENV == "production"

DEBUG = env_bool("TERANG_DEBUG", not PRODUCTION)
_DEV_SECRET = "terang-dev-only-secret-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
SECRET_KEY = os.environ.get("TERANG_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and not SECRET_KEY:
    raise RuntimeError("TERANG_SECRET_KEY wajib diisi untuk TERANG_ENV=production")
ALLOWED_HOSTS = env_list("TERANG_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("TERANG_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "terang.core",
    "terang.accounts",
    "terang.org",
    "terang.reference",
    "terang.audit",
    "terang.budgeting",
    "terang.staff",
    "terang.portal",
    "terang.api",
    "terang.demo",
]

MIDDLEWARE = [
    "terang.core.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "terang.core.middleware.IndonesianByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "terang.accounts.middleware.TwoFactorMiddleware",
    "terang.core.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "terang.core.context_processors.terang",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "terang.sqlite3",
            "OPTIONS": {
                # WAL + a busy timeout let the worker and the web process share the file.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Caches. "default" lives in the memory of each process (rate-limit counters, per-process aggregates). "pages" holds
# the rendered public APBD pages (terang.budgeting.views.public.cached_page) and is shared by every worker process:
# files under TERANG_VAR_DIR/cache/pages (TERANG_PAGE_CACHE_DIR), or TERANG_PAGE_CACHE=memory (one process) or off.
# The key prefix names the database, so two databases sharing a directory never see each other's pages.
_PAGE_CACHE = os.environ.get("TERANG_PAGE_CACHE", "file").strip().lower()
_PAGE_CACHE_BACKENDS = {
    "file": "django.core.cache.backends.filebased.FileBasedCache",
    "memory": "django.core.cache.backends.locmem.LocMemCache",
    "off": "django.core.cache.backends.dummy.DummyCache",
}
if _PAGE_CACHE not in _PAGE_CACHE_BACKENDS:
    raise ValueError(f"TERANG_PAGE_CACHE tidak dikenal: {_PAGE_CACHE!r} (gunakan file, memory atau off)")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": _PAGE_CACHE_BACKENDS[_PAGE_CACHE],
        "LOCATION": os.environ.get("TERANG_PAGE_CACHE_DIR", str(VAR_DIR / "cache" / "pages"))
        if _PAGE_CACHE == "file" else "terang-pages",
        "TIMEOUT": 15 * 60,
        "KEY_PREFIX": "terang-" + hashlib.sha256(
            f"{DATABASES['default'].get('HOST', '')}:{DATABASES['default']['NAME']}".encode()).hexdigest()[:12],
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "portal:home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Lockout after repeated failures (django-axes): per username + IP.
AXES_FAILURE_LIMIT = int(os.environ.get("TERANG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("TERANG_LOGIN_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy (nginx) set TERANG_PROXY_COUNT=1 so axes counts the client's address, not the proxy's.
if os.environ.get("TERANG_PROXY_COUNT"):
    AXES_IPWARE_PROXY_COUNT = int(os.environ["TERANG_PROXY_COUNT"])
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
# Password reset and invitation links: one use, valid for this many seconds.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("TERANG_PASSWORD_RESET_SECONDS", str(24 * 3600)))

# Roles whose members must use TOTP two-factor authentication (comma-separated role codes).
TERANG_2FA_REQUIRED_ROLES = env_list(
    "TERANG_2FA_REQUIRED_ROLES",
    [
        "pemda_admin",
        "tapd_verifier",
        "bpkad_officer",
        "opd_head",
        "kecamatan_verifier",
        "dpmd_verifier",
        "village_head",
        "auditor",
        "sekda",
    ],
)
# Superusers (django-admin) must use 2FA as well.
TERANG_2FA_REQUIRED_FOR_SUPERUSERS = env_bool("TERANG_2FA_REQUIRED_FOR_SUPERUSERS", True)
OTP_TOTP_ISSUER = "Terang"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("TERANG_STATIC_ROOT", VAR_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("TERANG_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_BACKEND = os.environ.get("TERANG_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("TERANG_DEFAULT_FROM_EMAIL", "Terang <noreply@terang.local>")
EMAIL_HOST = os.environ.get("TERANG_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("TERANG_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("TERANG_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("TERANG_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("TERANG_EMAIL_USE_TLS", False)

# Sessions and CSRF: HttpOnly, SameSite, short-lived; Secure and HSTS in production.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("TERANG_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are bound to this exact host over HTTPS (no Domain, Path=/).
    SESSION_COOKIE_NAME = "__Host-terang_session"
    CSRF_COOKIE_NAME = "__Host-terang_csrftoken"
    SECURE_SSL_REDIRECT = env_bool("TERANG_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("TERANG_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("TERANG_HSTS_PRELOAD", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "terang.api.pagination.TerangPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "terang.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "600/min", "user": "3000/min"},
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Terang API",
    "DESCRIPTION": _("API terbuka Terang: wilayah, perangkat daerah, kode referensi, dan seterusnya."),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TERANG_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "terang.core.logging.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "terang.core.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context"],
            "formatter": os.environ.get("TERANG_LOG_FORMAT", "json" if PRODUCTION else "plain"),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("TERANG_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Data files shipped with the project (copied from the shared research folder, provenance in each data/README.md).
TERANG_DEFAULT_PEMDA = os.environ.get("TERANG_DEFAULT_PEMDA", "35.10")
