"""The refusals of the services: each says, in words shown to the user, why nothing changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ServiceError(Exception):
    """A business rule refused the change; the message is shown to the user."""


class RecordLocked(ServiceError):
    def __init__(self, incident: Any) -> None:
        super().__init__(
            f"{incident.reference} is approved and locked. Add later facts as a signed addendum."
        )


class AwaitingApproval(ServiceError):
    def __init__(self, incident: Any) -> None:
        super().__init__(
            f"{incident.reference} is signed and awaiting the headteacher's approval. To change "
            "it, ask the headteacher to send it back."
        )


class StaleVersion(ServiceError):
    """Someone else saved this record since the form was opened (optimistic locking)."""

    def __init__(self, incident: Any, expected: int) -> None:
        self.current_version = incident.version
        self.expected_version = expected
        super().__init__(
            "A colleague saved this record while you were editing it. Your answers are kept "
            "below beside theirs: check both, then save again."
        )


class NotAllowed(ServiceError):
    """The person's role does not let them make this change."""


class WrongStatus(ServiceError):
    """The record is not at the stage this transition starts from."""


class WrongCredentials(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            "Your password or the code from your authenticator app was not right. Nothing "
            "has been signed. Enter your password and the code your app shows now."
        )


class NoAuthenticator(ServiceError):
    def __init__(self) -> None:
        super().__init__("Set up your authenticator app before signing.")


class RecordIncomplete(ServiceError):
    def __init__(self, items: Sequence[Any]) -> None:
        self.items = list(items)
        super().__init__(
            f"The record cannot be signed yet: {len(self.items)} item(s) are missing. "
            "Complete them first (they are listed on this page)."
        )


class SamePerson(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            "You signed this record, so another headteacher must approve it: the approver "
            "must be a different person from the signer."
        )


class OwnDecision(SamePerson, NotAllowed):
    """A headteacher who is the incident's DSL would approve or sign off their own work."""

    def __init__(self) -> None:
        ServiceError.__init__(
            self,
            "You are this incident's DSL: you do not approve your own record or sign off your "
            "own decision not to refer. The school's second signatory (a deputy headteacher or "
            "the chair of governors) signs instead.",
        )


class ChangedSinceSigned(ServiceError):
    def __init__(self, reference: str) -> None:
        super().__init__(
            f"{reference} has changed since it was last signed, so its signature no longer "
            "covers what it says. Send it back for the DSL to check and sign again."
        )


class NonReferralSignOffNeeded(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            "What is not referred needs your sign-off too: tick the sign-off box to give it "
            "with your approval."
        )
