"""Agencies (the tenants), the people who sign in, and their memberships."""

from __future__ import annotations

import secrets
import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from govsocial.encryption import EncryptedTextField
from govsocial.tenancy import AgencyOwned, agency_key


def validate_time_zone(value: str) -> None:
    """Refuse a time zone name that the IANA database does not know."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class Agency(models.Model):
    """A tenant: a city, a ministry, a department; agencies nest (ministry → department)."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    languages = ArrayField(
        models.CharField(max_length=8, choices=[("en", _("English")), ("fr", _("French"))]),
        verbose_name=_("languages"),
        default=list,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Sign-in policy, set by the agency's admins.
    require_two_factor = models.BooleanField(_("two-factor authentication required"), default=True)
    require_security_key = models.BooleanField(
        _("security keys only"),
        default=False,
        help_text=_("Members sign in with a security key or passkey; codes are not enough."),
    )
    idle_timeout_minutes = models.PositiveIntegerField(
        _("sign out after minutes without activity"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    session_lifetime_hours = models.PositiveIntegerField(
        _("sign out after hours in any case"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24)],
    )
    # How long a post or reply may wait at a step of approval before its approvers are
    # reminded (once per step); 0: never.
    approval_reminder_hours = models.PositiveIntegerField(
        _("remind approvers after hours waiting"),
        default=24,
        validators=[MaxValueValidator(30 * 24)],
        help_text=_("0: never remind."),
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": _("An agency cannot be its own ancestor.")})
            ancestor = ancestor.parent


class UserManager(BaseUserManager["User"]):
    """Create users who sign in by email."""

    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in, by email; their roles live on memberships."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("operator"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Blank: times are shown and entered in the time zone of the agency being viewed.
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone]
    )
    # Changing it ends every session of the user at once (see get_session_auth_hash).
    session_generation = models.CharField(max_length=32, default="", editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def get_session_auth_hash(self) -> str:
        # Django checks this hash on every request; mixing in the generation makes
        # "end all sessions" a single field change.
        return salted_hmac(
            "govsocial.accounts.session",
            f"{self.password}:{self.session_generation}",
            algorithm="sha256",
        ).hexdigest()

    def end_all_sessions(self) -> None:
        """Invalidate every open session of this user (the caller saves)."""
        self.session_generation = secrets.token_hex(16)


class Role(models.TextChoices):
    """What a member may do in an agency."""

    ADMIN = "admin", _("Admin")
    APPROVER = "approver", _("Approver")
    AUTHOR = "author", _("Author")
    RECORDS_OFFICER = "records_officer", _("Records officer")
    VIEWER = "viewer", _("Viewer")


def role_labels(roles: list[str]) -> list[str]:
    """Return the roles' names in the reader's language."""
    return [str(Role(role).label) for role in roles]


class Membership(AgencyOwned):
    """A user's place in an agency, with one or more roles."""

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    roles = ArrayField(
        models.CharField(max_length=20, choices=Role.choices), verbose_name=_("roles")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "user"], name="membership_unique_user"),
            models.CheckConstraint(condition=~models.Q(roles=[]), name="membership_has_a_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency_id}"

    def has_role(self, role: str) -> bool:
        return self.is_active and role in self.roles

    @property
    def role_labels(self) -> list[str]:
        return role_labels(self.roles)


class Invitation(AgencyOwned):
    """An invitation by email to join an agency with given roles, valid until it expires."""

    email = models.EmailField(_("email address"))
    roles = ArrayField(
        models.CharField(max_length=20, choices=Role.choices), verbose_name=_("roles")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def role_labels(self) -> list[str]:
        return role_labels(self.roles)

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class ApiKey(AgencyOwned):
    """A key with which an integrator acts for one agency, with one role.

    The key is shown once when created; only its SHA-256 digest is kept. Its public
    part (``gs_<agency id>_<key id>_…``) tells which agency to look in.
    """

    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    key_id = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"API key {self.name} ({self.key_id})"

    def archive_name(self) -> str:
        """Return how the archive names the key when it acts: the key and the person
        who made it, its owner (whom the rows it writes are credited to)."""
        return f"{self}, owner {self.created_by.display_name}"

    # Requests made with a key carry it as their principal (request.user).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )


class IdempotencyKey(AgencyOwned):
    """Remember the answer to an API request sent with an ``Idempotency-Key`` header, so
    that the same request sent again by the same caller gets that answer back instead
    of acting twice.

    Kept a day from the first request. Until the answer is stored (``response_status``
    empty) the request that claimed the key is still running, or died; another may claim
    the key once the claim is a minute old.
    """

    # An index of its own begins with the agency (``agency_key``).
    agency = agency_key(indexed=False)

    MAX_KEY_LENGTH = 255

    key = models.CharField(max_length=MAX_KEY_LENGTH)
    # The caller: an API key, or a person signed in.
    api_key = models.ForeignKey(ApiKey, null=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, null=True, on_delete=models.CASCADE, related_name="+")
    # SHA-256 of the request's method, path and body: the key answers only that request.
    request_hash = models.CharField(max_length=64)
    claimed_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    response_status = models.PositiveSmallIntegerField(null=True)
    response_content_type = models.CharField(max_length=255, blank=True)
    response_location = models.CharField(max_length=2048, blank=True)
    response_body = models.BinaryField(default=bytes)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "api_key", "user", "key"],
                nulls_distinct=False,
                name="idempotency_key_once_per_caller",
            ),
            models.CheckConstraint(
                condition=models.Q(api_key__isnull=False, user__isnull=True)
                | models.Q(api_key__isnull=True, user__isnull=False),
                name="idempotency_key_has_one_caller",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class SignOnProtocol(models.TextChoices):
    """How an agency's identity provider speaks."""

    OIDC = "oidc", _("OpenID Connect")
    SAML = "saml", _("SAML 2.0")


class AgencySignOn(AgencyOwned):
    """Send an agency's members to its own identity provider (Entra ID, Okta, Login.gov…).

    The provider is reached under the agency's short name: ``/accounts/oidc/<slug>/…``
    or ``/accounts/saml/<slug>/…``; those are the addresses its administrators register.
    """

    protocol = models.CharField(_("protocol"), max_length=8, choices=SignOnProtocol.choices)
    display_name = models.CharField(
        _("button label"),
        max_length=100,
        help_text=_("What members see, e.g. “Riverton staff account”."),
    )
    is_enabled = models.BooleanField(_("members sign in through it"), default=True)
    # OpenID Connect
    issuer_url = models.URLField(_("issuer URL"), blank=True)
    client_id = models.CharField(_("client ID"), max_length=255, blank=True)
    client_secret = EncryptedTextField(_("client secret"), blank=True)
    # SAML 2.0
    idp_entity_id = models.CharField(_("identity provider entity ID"), max_length=255, blank=True)
    idp_sso_url = models.URLField(_("identity provider sign-in URL"), blank=True)
    idp_certificate = models.TextField(_("identity provider signing certificate"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("single sign-on")
        verbose_name_plural = _("single sign-on")
        constraints = [
            models.UniqueConstraint(fields=["agency"], name="sign_on_one_per_agency"),
        ]

    def __str__(self) -> str:
        return self.display_name


class SignOnDomain(AgencyOwned):
    """An email domain whose people sign in through its agency's single sign-on.

    A domain belongs to one agency in the whole deployment. Every agency's domains are
    readable before anyone signs in (that is how the sign-in page routes a person);
    only the owning agency writes them.
    """

    domain = models.CharField(_("email domain"), max_length=253, unique=True)

    readable_by_all = True

    class Meta:
        verbose_name = _("sign-on email domain")
        verbose_name_plural = _("sign-on email domains")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain
