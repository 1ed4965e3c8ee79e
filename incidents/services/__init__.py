"""Every change of state in the product, one function each (pretix's ``services``).

Each function runs in one transaction: it checks its precondition and raises a
``ServiceError`` whose message is shown to the user; then it changes the rows,
``save(update_fields=...)``, and writes its audit event through ``incidents.audit.log_action``.
Views and management commands call them; nothing else writes the record. By domain:

- ``records``: reporting a concern, opening an incident, saving a part of the record (a wizard
  step), confirming the rules' result;
- ``grants``: a DSL granting and revoking a deputy's access to one incident;
- ``signing``: signing, approval, sending back, the non-referral sign-off, addenda, verifying;
- ``accounts``: invitations, the authenticator's set-up, recovery codes, the forgotten
  password, the administrator's reset (imported as a module: ``services.accounts``).
- ``cover``: the DSL putting a deputy DSL in cover for a stated period, and ending it early;
- ``people``: roles granted, confirmed by a second person, refused and removed; changes of an
  account (the admin's too); a leaver's deactivation and the reassignment of their actions.
"""

from incidents.services.cover import end_cover, grant_cover
from incidents.services.errors import (
    AwaitingApproval,
    ChangedSinceSigned,
    NoAuthenticator,
    NonReferralSignOffNeeded,
    NotAllowed,
    OwnDecision,
    RecordIncomplete,
    RecordLocked,
    SamePerson,
    ServiceError,
    StaleVersion,
    WrongCredentials,
    WrongStatus,
)
from incidents.services.grants import grant_access, revoke_access
from incidents.services.people import (
    confirm_role,
    deactivate_leaver,
    end_sessions,
    grant_role,
    reassign_action,
    record_password_set,
    refuse_role,
    remove_role,
    save_account,
    save_membership,
    set_password,
)
from incidents.services.records import (
    StepChanges,
    confirm_assessment,
    open_incident,
    report_concern,
    save_step,
)
from incidents.services.signing import (
    MEANINGS,
    add_addendum,
    approve_record,
    needs_non_referral_signoff,
    reauthenticate,
    send_back,
    sign_off_non_referral,
    sign_record,
    verify_and_log,
)

__all__ = [
    "end_cover",
    "grant_cover",
    "confirm_role",
    "deactivate_leaver",
    "end_sessions",
    "grant_role",
    "reassign_action",
    "record_password_set",
    "refuse_role",
    "remove_role",
    "save_account",
    "save_membership",
    "set_password",
    "MEANINGS",
    "AwaitingApproval",
    "ChangedSinceSigned",
    "NoAuthenticator",
    "NonReferralSignOffNeeded",
    "NotAllowed",
    "OwnDecision",
    "RecordIncomplete",
    "RecordLocked",
    "SamePerson",
    "ServiceError",
    "StaleVersion",
    "StepChanges",
    "WrongCredentials",
    "WrongStatus",
    "add_addendum",
    "approve_record",
    "confirm_assessment",
    "grant_access",
    "needs_non_referral_signoff",
    "open_incident",
    "reauthenticate",
    "report_concern",
    "revoke_access",
    "save_step",
    "send_back",
    "sign_off_non_referral",
    "sign_record",
    "verify_and_log",
]
