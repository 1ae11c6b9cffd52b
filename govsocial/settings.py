"""Settings for govsocial, read from the environment.

Defaults are the safe production ones: DEBUG off, HTTPS-only cookies, HSTS. A local run
over plain HTTP says so with ``GOVSOCIAL_HTTPS=0``.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Return the environment variable ``name`` read as a yes/no flag."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Return the comma-separated environment variable ``name`` as a list."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_required(name: str) -> str:
    """Return the environment variable ``name``, refusing to start without it."""
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} must be set.")
    return value


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_required("SECRET_KEY")
# Fernet keys for secrets at rest, newest first (see govsocial/encryption.py).
ENCRYPTION_KEYS = env_list("ENCRYPTION_KEYS")
# The Ed25519 key the archive's heads are signed with (32 bytes in base64), and the
# public keys of the keys it replaced, so that heads they signed still verify (see
# archive/signing.py).
ARCHIVE_SIGNING_KEY = os.environ.get("ARCHIVE_SIGNING_KEY", "")
ARCHIVE_RETIRED_PUBLIC_KEYS = env_list("ARCHIVE_RETIRED_PUBLIC_KEYS")
# An RFC 3161 time-stamping authority that stamps each signed head (off when empty), and
# its certificate chain in a PEM file: its own certificate first, its root last (see
# archive/timestamps.py).
ARCHIVE_TIMESTAMP_URL = os.environ.get("ARCHIVE_TIMESTAMP_URL", "")
ARCHIVE_TIMESTAMP_CHAIN = os.environ.get("ARCHIVE_TIMESTAMP_CHAIN", "")
# The chains of certificates the authority signed with before (PEM files), so that the
# heads they stamped still check.
ARCHIVE_TIMESTAMP_RETIRED_CHAINS = env_list("ARCHIVE_TIMESTAMP_RETIRED_CHAINS")
# How often heads left unstamped (the authority could not be reached) are stamped.
ARCHIVE_TIMESTAMP_RETRY_SECONDS = float(os.environ.get("ARCHIVE_TIMESTAMP_RETRY_SECONDS", "600"))
# How often every agency's log is signed (when it has grown since).
ARCHIVE_HEAD_INTERVAL_SECONDS = float(os.environ.get("ARCHIVE_HEAD_INTERVAL_SECONDS", "3600"))
# The longest a committed event waits for its place in its agency's log (once every
# transaction begun before its own has ended): the sequencer looks four times as often.
# It places at most ARCHIVE_SEQUENCER_BATCH events of an agency in one transaction.
ARCHIVE_MERGE_DELAY_SECONDS = float(os.environ.get("ARCHIVE_MERGE_DELAY_SECONDS", "1"))
ARCHIVE_SEQUENCER_BATCH = int(os.environ.get("ARCHIVE_SEQUENCER_BATCH", "10000"))
# How long a records package can be downloaded once built, before it is deleted; and how
# long a build may run before another worker takes it up (its worker is taken for lost).
ARCHIVE_PACKAGE_DAYS = int(os.environ.get("ARCHIVE_PACKAGE_DAYS", "7"))
ARCHIVE_PACKAGE_LEASE_SECONDS = int(os.environ.get("ARCHIVE_PACKAGE_LEASE_SECONDS", "7200"))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
HTTPS = env_bool("GOVSOCIAL_HTTPS", True)
DATA_DIR = Path(os.environ.get("GOVSOCIAL_DATA_DIR", BASE_DIR / ".data"))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "guardian",
    "govsocial",
    "archive",
    "accounts",
    "publishing",
    "approvals",
    "inbox",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "archive.middleware.RequestOriginMiddleware",
    "govsocial.middleware.PageReadMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "govsocial.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "govsocial.middleware.SessionLimitMiddleware",
    "govsocial.middleware.AgencyScopeMiddleware",
]

ROOT_URLCONF = "govsocial.urls"
WSGI_APPLICATION = "govsocial.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "govsocial.context_processors.agency_navigation",
                "govsocial.context_processors.demo_mailbox",
                "publishing.context_processors.publishing_pauses",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# The app connects as a role that is neither superuser, nor BYPASSRLS, nor the tables'
# owner; migrations run with DATABASE_URL set to the owner's URL.
DATABASES = {
    "default": dj_database_url.parse(
        env_required("DATABASE_URL"), conn_max_age=0, conn_health_checks=True
    )
}
# Named cursors would fetch outside the transaction that carries the tenant setting.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# Parameters are sent apart from the SQL, and a statement a connection has run five
# times is prepared on the server, which then parses it once rather than on every run.
# A burst's deliveries cost the database about 30 % less CPU a post, the workers about
# 15 % less. Behind a pooler that hands a connection to another client after each
# transaction, prepared statements need that pooler's support for them.
DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
# A pool of this many connections per process (0: a new connection per request or
# task). Celery closes a task's connection after every task; the pool takes it back
# instead of PostgreSQL starting a new one per task (a burst's throughput went from 256
# to 400 posts/s with it). Not for Celery's prefork pool (the workers run without
# one): Celery closes a child's whole pool after every task, under the thread that
# records its deliveries. The tenant setting is transaction-local, so a pooled
# connection carries no agency from one use to the next.
DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "4"))
if DATABASE_POOL_SIZE:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_SIZE,
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_required("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "govsocial.cache.SharedCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "govsocial",
    },
    # Parts of pages each web server process writes once and keeps (the navigation):
    # what they show depends only on their keys, never on data that changes.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    # What calendar pages showed of their posts, as each web server process wrote it,
    # under the version of the posts read from the database and all else it depends on
    # (``publishing.views.calendar``): a month viewed again is read and written again
    # only when something in it has changed. A month of 140 posts takes about 190 KB.
    "calendars": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "calendars",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 100},
    },
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    # Per-account delegation (who may publish to which network account).
    "guardian.backends.ObjectPermissionBackend",
]
# People sign in by email; guardian's stand-in anonymous user is not wanted.
ANONYMOUS_USER_NAME = None
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# Sign-in by email and password, or through the agency's single sign-on; people join an
# agency by invitation, never by sign-up.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Failed sign-ins are counted per address and per IP in the shared Redis cache, known
# address or not; past the limit every attempt gets the same "too many" answer.
SIGN_IN_LOCKOUT_SECONDS = 15 * 60
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"30/{SIGN_IN_LOCKOUT_SECONDS}s/ip,10/{SIGN_IN_LOCKOUT_SECONDS}s/key",
}

# Two-factor: authenticator apps, recovery codes, security keys and passkeys. Secrets
# are encrypted with ENCRYPTION_KEYS by the adapter; used TOTP codes are remembered in
# the shared Redis cache so a code works once across every process.
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "govsocial"
# Accept the code of the previous or next 30-second step: clocks drift and people type.
MFA_TOTP_TOLERANCE = 1
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not HTTPS

# Agency single sign-on (OpenID Connect, SAML 2.0). Each agency's identity provider is
# configured on its own page and looked up by the adapter; allauth's own app table is
# not used. The provider's tokens are not kept: they are only needed to sign in.
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10

# Django's database sessions, each row read by a statement written once.
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Over HTTPS the cookies carry the __Host- prefix: the browser then refuses them
# unless they are Secure, for this exact host and for every path.
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "csrftoken"
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
# Load balancers probe the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts and styles only from our own files: no inline code, no eval, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
# Uploaded media (the agencies' libraries); served only to the agency's members.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "/media/"
# What the archive keeps whole (each published post and its media), named by SHA-256
# and never changed: every process that publishes or reads the archive must see it.
ARCHIVE_ROOT = Path(os.environ.get("ARCHIVE_ROOT", DATA_DIR / "archive"))
# The records packages built for download (deleted when they expire).
PACKAGES_ROOT = Path(os.environ.get("PACKAGES_ROOT", DATA_DIR / "packages"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "archive": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": ARCHIVE_ROOT},
    },
    "packages": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PACKAGES_ROOT},
    },
}
# On several hosts, media and the archive's files live on S3-compatible storage instead:
# S3_BUCKET names the bucket (media under media/, the archive under archive/, records
# packages under packages/),
# S3_ARCHIVE_BUCKET another one for the archive (one with Object Lock, say), and
# S3_ENDPOINT_URL a server other than AWS's; the credentials come as AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY (or the host's role). Objects stay private: the app serves them.
S3_BUCKET = os.environ.get("S3_BUCKET", "")
_S3 = {
    "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
    "region_name": os.environ.get("S3_REGION") or None,
    "default_acl": None,
    "querystring_auth": True,
    "file_overwrite": False,
}
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": _S3 | {"bucket_name": S3_BUCKET, "location": "media"},
    }
    STORAGES["archive"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": _S3
        | {"bucket_name": os.environ.get("S3_ARCHIVE_BUCKET") or S3_BUCKET, "location": "archive"},
    }
    STORAGES["packages"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": _S3 | {"bucket_name": S3_BUCKET, "location": "packages"},
    }
# Where the monthly copies for an outside archiving service go, for the agencies that
# turn them on (``archive.archiver``): a folder, or an S3-compatible bucket of their own
# (S3_ARCHIVER_BUCKET, its server and credentials as above), each agency's under its slug.
ARCHIVER_ROOT = Path(os.environ.get("ARCHIVER_ROOT", DATA_DIR / "archiver"))
STORAGES["archiver"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": ARCHIVER_ROOT},
}
if S3_ARCHIVER_BUCKET := os.environ.get("S3_ARCHIVER_BUCKET", ""):
    STORAGES["archiver"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": _S3 | {"bucket_name": S3_ARCHIVER_BUCKET},
    }

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "govsocial <noreply@localhost>")
# The Maildir folder of the demo's mailbox, whose messages the *Mailbox* page shows to
# anyone (govsocial.demo_mailbox): set by `make run` only, never in production.
DEMO_MAILBOX = os.environ.get("DEMO_MAILBOX", "")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["govsocial.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": os.environ.get("API_KEY_RATE", "600/min")},
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "govsocial.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "govsocial.api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "govsocial.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON everywhere; the operations that take files name the multipart parser.
    "DEFAULT_PARSER_CLASSES": ["govsocial.api.parsers.JSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "govsocial API",
    "DESCRIPTION": (
        "An agency's members and invitations, network accounts, media library, posts "
        "(written, scheduled, published now, taken off the schedule, in English and "
        "French), calendar with CSV export and import, queue times, crisis pauses, "
        "approval chains, rounds of approval and the conversation about them, content "
        "rules with blackout periods, emergency posts with their reviews, the inbox "
        "(what citizens wrote, its status, assignee and the agency's replies), and the "
        "archive's signed heads and proofs, its records requests, their packages, its "
        "legal holds, retention schedules, dispositions, the requests of persons about their "
        "data and the monthly copies for an outside archiver; and, for a person signed in, "
        "their notifications and how they are told of each kind. "
        "Every error is a problem details document (RFC 9457, application/problem+json); "
        "a POST made safe to repeat takes an Idempotency-Key header."
    ),
    "VERSION": "1",
    # Two fields named "rule" (a step's, any or all; a content rule's finding), and one
    # choice of block, warn or off for every kind of content rule.
    "ENUM_NAME_OVERRIDES": {
        "StepRuleEnum": "approvals.models.StepRule",
        "ContentRuleEnum": "approvals.models.ContentRule",
        "RuleSeverityEnum": "approvals.models.RuleSeverity",
        "InboxItemStatusEnum": "inbox.models.ItemStatus",
        "InboxReplyStateEnum": "inbox.models.ReplyState",
        "InboxMediaStateEnum": "inbox.models.MediaState",
        "ApprovalStateEnum": "approvals.models.ApprovalState",
        "RecordsRequestKindEnum": "archive.models.RequestKind",
        "RecordsRequestStatusEnum": "archive.models.RequestStatus",
        "ExportPackageStatusEnum": "archive.models.PackageStatus",
        "RecordSeriesEnum": "archive.models.RecordSeries",
        "DispositionStateEnum": "archive.models.DispositionState",
        "ModerationActionEnum": "inbox.moderation.Action",
        "NotificationDeliveryEnum": "notifications.models.Delivery",
        "NotificationKindEnum": "notifications.models.Kind",
    },
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # 3.1 for JSON Schema's whole vocabulary (the keys of an object keyed by ids).
    "OAS_VERSION": "3.1.0",
}

# Celery is the broker only: the schedule lives in PostgreSQL. A task is acknowledged
# after it ran, re-queued when its worker dies, and a worker holds one task at a time.
# Workers start the same way everywhere (WORKER_COMMAND in govsocial/launch/commands.py):
# one process each, one per CPU. Delivery spends its CPU in the networks' client
# libraries, so processes, not threads, use the cores; each process keeps
# DELIVERY_SENDS_AT_ONCE sends in flight on threads of its own.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker back after a restart is reached again within a fifth of a second.
CELERY_WORKER_CONSUMER = "govsocial.broker:QuickConsumer"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# How often every connected network account is asked whether its token still works.
ACCOUNT_HEALTH_CHECK_SECONDS = int(os.environ.get("ACCOUNT_HEALTH_CHECK_SECONDS", "300"))
# How often each account's inbox is polled, and the languages told apart in what
# citizens write (ISO 639-1 codes, two or more; see inbox/languages.py).
INBOX_POLL_SECONDS = int(os.environ.get("INBOX_POLL_SECONDS", "60"))
INBOX_LANGUAGES = env_list("INBOX_LANGUAGES", "en,fr,es")
# The largest file a citizen attached that is fetched and kept (bytes), and how many
# times a fetch the network fails is tried before the file is marked failed.
INBOX_MEDIA_MAX_BYTES = int(os.environ.get("INBOX_MEDIA_MAX_BYTES", str(100 * 1024 * 1024)))
INBOX_MEDIA_ATTEMPTS = int(os.environ.get("INBOX_MEDIA_ATTEMPTS", "5"))
CELERY_BEAT_SCHEDULE = {
    "publishing-accounts-health-check": {
        "task": "publishing.tasks.accounts_health_check",
        "schedule": ACCOUNT_HEALTH_CHECK_SECONDS,
    },
    "publishing-pauses-expire": {"task": "publishing.tasks.pauses_expire", "schedule": 60},
    "inbox-poll": {"task": "inbox.tasks.inboxes_poll", "schedule": INBOX_POLL_SECONDS},
    "accounts-idempotency-keys-purge": {
        "task": "accounts.tasks.idempotency_keys_purge",
        "schedule": 60 * 60,
    },
    "archive-verify-logs": {
        "task": "archive.tasks.logs_verify",
        "schedule": 24 * 60 * 60,
    },
    "archive-sign-heads": {
        "task": "archive.tasks.heads_sign",
        "schedule": ARCHIVE_HEAD_INTERVAL_SECONDS,
    },
    "archive-tend-packages": {"task": "archive.tasks.packages_tend", "schedule": 5 * 60},
    "archive-propose-dispositions": {
        "task": "archive.tasks.dispositions_propose",
        "schedule": 24 * 60 * 60,
    },
    "archive-tend-dispositions": {"task": "archive.tasks.dispositions_tend", "schedule": 5 * 60},
    "approvals-reminders": {"task": "approvals.tasks.approval_reminders_send", "schedule": 15 * 60},
    "notifications-digests": {
        "task": "notifications.tasks.digests_send",
        "schedule": 24 * 60 * 60,
    },
    "archive-copy-for-archivers": {
        "task": "archive.tasks.archiver_copies_make",
        "schedule": 6 * 60 * 60,
    },
    "archive-stamp-heads": {
        "task": "archive.tasks.heads_timestamp",
        "schedule": ARCHIVE_TIMESTAMP_RETRY_SECONDS,
    },
}

# The networks' APIs. EMULATOR_URL (set by the run command and the tests) points every
# network at the project's emulator and gives the demo its app credentials; otherwise
# each network is its real host and the deployment supplies its own app's credentials.
EMULATOR_URL = os.environ.get("EMULATOR_URL", "").rstrip("/")


GRAPH_API_VERSION = os.environ.get("GRAPH_API_VERSION", "v21.0")
NETWORK_TIMEOUT_SECONDS = float(os.environ.get("NETWORK_TIMEOUT_SECONDS", "10"))


def network_configuration(emulator_url: str) -> dict[str, dict[str, str | float]]:
    """Return each network's API base, authorisation page and app credentials: the
    environment's, else the emulator's at ``emulator_url``, else the real network's."""

    def url(name: str, real: str, emulated: str) -> str:
        return os.environ.get(name) or (emulator_url + emulated if emulator_url else real)

    def credential(name: str, emulated: str) -> str:
        return os.environ.get(name) or (emulated if emulator_url else "")

    graph = {
        "api_url": url("FACEBOOK_GRAPH_URL", "https://graph.facebook.com", "/graph"),
        "authorize_url": url("FACEBOOK_DIALOG_URL", "https://www.facebook.com", "/graph"),
        "client_id": credential("FACEBOOK_APP_ID", "govsocial-demo"),
        "client_secret": credential("FACEBOOK_APP_SECRET", "govsocial-demo-secret"),
        "api_version": GRAPH_API_VERSION,
    }
    networks: dict[str, dict[str, str]] = {
        "x": {
            "api_url": url("X_API_URL", "https://api.twitter.com", "/x"),
            "authorize_url": url(
                "X_AUTHORIZE_URL", "https://x.com/i/oauth2/authorize", "/x/i/oauth2/authorize"
            ),
            "client_id": credential("X_CLIENT_ID", "govsocial-demo"),
            "client_secret": os.environ.get("X_CLIENT_SECRET", ""),
        },
        "facebook": graph,
        "instagram": graph,
        # Mastodon apps are registered on the instance; the run command registers one on
        # the emulator and passes its credentials in MASTODON_CLIENT_ID/SECRET.
        "mastodon": {
            "api_url": url("MASTODON_URL", "https://mastodon.social", "/mastodon"),
            "client_id": os.environ.get("MASTODON_CLIENT_ID", ""),
            "client_secret": os.environ.get("MASTODON_CLIENT_SECRET", ""),
        },
        # Bluesky connects with app passwords, made in its web app; posts' pages live there.
        "bluesky": {
            "api_url": url("BLUESKY_URL", "https://bsky.social", "/bluesky"),
            "authorize_url": url("BLUESKY_WEB_URL", "https://bsky.app", "/bluesky"),
        },
    }
    return {
        network: values | {"timeout_seconds": NETWORK_TIMEOUT_SECONDS}
        for network, values in networks.items()
    }


NETWORKS = network_configuration(EMULATOR_URL)
# The word Meta sends back when subscribing the app's webhook (/webhooks/meta/, where
# Facebook and Instagram push comments and messages, signed with the app secret);
# empty: no webhook, polling alone.
META_WEBHOOK_VERIFY_TOKEN = os.environ.get("META_WEBHOOK_VERIFY_TOKEN") or (
    "govsocial-demo-verify" if EMULATOR_URL else ""
)

# Delivery (publishing.dispatcher, publishing.services.delivery). The dispatcher polls
# PostgreSQL for due targets this often, and a target it handed to the workers is handed
# over again if no worker has taken it up within the lease (a lost broker message), or
# sooner, once no delivery task waits in the broker.
DISPATCH_POLL_SECONDS = float(os.environ.get("DISPATCH_POLL_SECONDS", "0.15"))
DISPATCH_LEASE_SECONDS = float(os.environ.get("DISPATCH_LEASE_SECONDS", "10"))
DISPATCH_BATCH = int(os.environ.get("DISPATCH_BATCH", "500"))
# The Celery queue delivery tasks go to: a queue of their own lets an operator give
# publishing workers that no slower job can hold up.
DELIVERY_QUEUE = os.environ.get("DELIVERY_QUEUE", "celery")
# One task sends up to this many of an agency's due targets, all at the same time: their
# checks and records are made together, and each send waits only on its own network.
DELIVERY_BATCH = int(os.environ.get("DELIVERY_BATCH", "40"))
# A worker process makes at most this many network calls at once, whatever its tasks,
# and takes no new task while as many answers wait to be recorded. A call whose answer
# never comes holds one of them until NETWORK_TIMEOUT_SECONDS, so there is room for the
# hung ones of a burst beside those that answer.
DELIVERY_SENDS_AT_ONCE = int(os.environ.get("DELIVERY_SENDS_AT_ONCE", "100"))
# A post is tried this many times before it fails; retries wait as the network said, or
# back off from the base, doubling, up to the cap.
DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DELIVERY_MAX_ATTEMPTS", "5"))
DELIVERY_RETRY_BASE_SECONDS = float(os.environ.get("DELIVERY_RETRY_BASE_SECONDS", "30"))
DELIVERY_RETRY_MAX_SECONDS = float(os.environ.get("DELIVERY_RETRY_MAX_SECONDS", "1800"))
# The call that publishes starts within this long of the claim or not at all (the token,
# uploads and a video's processing come first; too slow, the send is tried again): a
# target still "sending" this long after the network timeout lost its worker, and is
# checked on (never sent again blindly).
DELIVERY_SENDING_MARGIN_SECONDS = float(os.environ.get("DELIVERY_SENDING_MARGIN_SECONDS", "60"))
# Reconciliation reads the account's posts from this long before the send (the network's
# clock may differ from ours), every interval, until the post is found or, this long
# after the send, is taken as never made; after the give-up time it fails instead.
DELIVERY_CLOCK_MARGIN_SECONDS = float(os.environ.get("DELIVERY_CLOCK_MARGIN_SECONDS", "300"))
DELIVERY_RECONCILE_INTERVAL_SECONDS = float(
    os.environ.get("DELIVERY_RECONCILE_INTERVAL_SECONDS", "15")
)
DELIVERY_RECONCILE_SETTLE_SECONDS = float(
    os.environ.get("DELIVERY_RECONCILE_SETTLE_SECONDS", "120")
)
DELIVERY_RECONCILE_GIVE_UP_SECONDS = float(
    os.environ.get("DELIVERY_RECONCILE_GIVE_UP_SECONDS", str(24 * 60 * 60))
)

# The address people reach the app at, for links in emails; networks that fetch a
# post's images (Instagram) fetch them from under it, so it must be public.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "7"))
# How long the link that lets someone outside govsocial decide at a step of approval
# works (once).
EXTERNAL_LINK_DAYS = int(os.environ.get("EXTERNAL_LINK_DAYS", "7"))
# How long a link that opens one media file without signing in works (the address
# Instagram fetches a post's image from; it fetches it at once).
MEDIA_SHARE_SECONDS = int(os.environ.get("MEDIA_SHARE_SECONDS", "3600"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Subsetting the typeface of each released copy's PDF page says thirty lines at INFO.
    "loggers": {"fontTools": {"level": "WARNING"}},
}
