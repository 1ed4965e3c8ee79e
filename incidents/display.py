"""How the record's values read to a person: dates in words, the rules' result as a panel.

Pure formatting: no query, no write. Pages, the PDF and messages use it, so a result or a date
reads the same everywhere.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from incidents import rules
from incidents.models import AssessmentResult


def date_text(value: date | datetime) -> str:
    """``2 October 2026`` for a day; ``2 October 2026 09:30`` (local time) for a moment."""
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%-d %B %Y %H:%M}"
    return f"{value:%-d %B %Y}"


def person_name(user: Any) -> str:
    """A user's full name, or their username when no name is recorded."""
    if user is None:
        return ""
    return str(user.get_full_name() or user.username)


def result_panel(result: AssessmentResult | rules.Assessment | None) -> dict[str, Any] | None:
    """The rules' result in words, for a stored ``AssessmentResult`` or an unsaved
    ``rules.Assessment`` (the live preview)."""
    if result is None:
        return None
    return {
        "result": result,
        "category": rules.CATEGORY_LABELS.get(result.category, result.category),
        "subtype": rules.SUBTYPE_LABELS.get(result.subtype, result.subtype),
        "mash_referral": result.mash_referral,
        "criteria": [_criterion(result.policy, c) for c in result.mash_criteria],
        "police": rules.POLICE_LABELS.get(result.police, result.police),
        "police_level": result.police,
        "social_care_contact": result.social_care_contact,
        "seek_advice": result.seek_advice,
        "reasons": list(result.reasons),
        "policy": f"{result.policy} ({result.policy_version})",
        "referral_to": referral_to(result.policy),
        "advice_from": advice_from(result.policy),
        "confirmed_at": getattr(result, "confirmed_at", None),
        "confirmed_by": getattr(result, "confirmed_by", None),
        "overridden": getattr(result, "overridden", False),
        "override_category": rules.CATEGORY_LABELS.get(getattr(result, "override_category", "")),
        "override_subtype": rules.SUBTYPE_LABELS.get(getattr(result, "override_subtype", "")),
        "override_reason": getattr(result, "override_reason", ""),
    }


def _criterion(policy: str, code: str) -> str:
    """A criterion in the words of the profile the result was worked out under."""
    try:
        return rules.criterion_label(policy, code)
    except ValueError:  # a profile since withdrawn: its code says what applied
        return code


def referral_to(policy: str) -> str:
    """The agency of a profile's immediate referral, in its words ("the MASH")."""
    try:
        return rules.get_policy(policy).referral_to
    except ValueError:
        return "the immediate referral's agency"


def advice_from(policy: str) -> str:
    """Whom a profile tells the DSL to ask when in doubt, in its words ("the MASH")."""
    try:
        return rules.get_policy(policy).advice_from
    except ValueError:
        return "the local safeguarding front door"


def effective_category(result: AssessmentResult | None) -> tuple[str, str]:
    """The category and subtype in words, the DSL's override where there is one."""
    if result is None:
        return "Not yet assessed", ""
    if result.overridden:
        category, subtype = result.override_category, result.override_subtype
    else:
        category, subtype = result.category, result.subtype
    return (
        rules.CATEGORY_LABELS.get(category, category),
        rules.SUBTYPE_LABELS.get(subtype, subtype),
    )
