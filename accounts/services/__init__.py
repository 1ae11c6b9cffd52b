"""Every write to agencies, members, invitations, API keys and a person's own settings,
each with its archive event; and the API's idempotency keys."""

from accounts.services.agencies import POLICY_FIELDS, agency_create, agency_policy_change
from accounts.services.api_keys import (
    API_KEY_PREFIX,
    api_key_create,
    api_key_revoke,
    api_key_use,
)
from accounts.services.idempotency import (
    idempotency_key_answer,
    idempotency_key_claim,
    idempotency_key_release,
    idempotency_keys_purge,
)
from accounts.services.members import (
    invitation_accept,
    invitation_create,
    invitation_revoke,
    membership_add,
    membership_change_roles,
    membership_deactivate,
    user_create_for_invitation,
)
from accounts.services.people import user_time_zone_change
from accounts.services.principals import Principal
from accounts.services.sign_in import (
    sign_in_failure_record,
    sign_in_lockout_record,
    user_event_record,
)
from accounts.services.sign_on import SignOnSettings, sign_on_admit, sign_on_configure

__all__ = [
    "API_KEY_PREFIX",
    "POLICY_FIELDS",
    "Principal",
    "SignOnSettings",
    "agency_create",
    "agency_policy_change",
    "api_key_create",
    "api_key_revoke",
    "api_key_use",
    "idempotency_key_answer",
    "idempotency_key_claim",
    "idempotency_key_release",
    "idempotency_keys_purge",
    "invitation_accept",
    "invitation_create",
    "invitation_revoke",
    "membership_add",
    "membership_change_roles",
    "membership_deactivate",
    "sign_in_failure_record",
    "sign_in_lockout_record",
    "sign_on_admit",
    "sign_on_configure",
    "user_create_for_invitation",
    "user_event_record",
    "user_time_zone_change",
]
