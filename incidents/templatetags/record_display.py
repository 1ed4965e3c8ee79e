"""Labels and rows for showing a record; the record partial and the export use them."""

from functools import lru_cache
from typing import Any, cast
from urllib.parse import quote

from django import template
from django.conf import settings
from django.db.models import Field, Model
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS
from django_stubs_ext import StrOrPromise

from incidents import display, record, requirements, rules
from incidents.models import AssessmentResult, Incident

register = template.Library()

_PLACEHOLDER = "REFERENCE"


@lru_cache(maxsize=8)
def _record_url_pattern(urlconf: str, prefix: str) -> str:
    return reverse("incident_detail", kwargs={"reference": _PLACEHOLDER}, urlconf=urlconf)


@register.filter
def record_url(reference: str) -> str:
    """The record page's address: ``{{ incident.reference|record_url }}``.

    As ``{% url 'incident_detail' reference %}``, but reversed once per URL configuration, not
    once per row: the dashboard links fifty records, and reversing them was a tenth of its time.
    """
    pattern = _record_url_pattern(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    # Quoted as ``reverse`` quotes a path.
    return pattern.replace(_PLACEHOLDER, quote(str(reference), safe=RFC3986_SUBDELIMS + "~:@"))


@register.filter
def category_label(code: str) -> str:
    return rules.CATEGORY_LABELS.get(code, code)


@register.filter
def subtype_label(code: str) -> str:
    return rules.SUBTYPE_LABELS.get(code, code)


@register.filter
def police_label(code: str) -> str:
    return rules.POLICE_LABELS.get(code, code)


@register.filter
def criterion_label(code: str, policy: str = rules.DEFAULT_POLICY) -> str:
    """A criterion in the words of the profile it was worked out under:
    ``{{ code|criterion_label:result.policy }}``."""
    try:
        return rules.criterion_label(policy, code)
    except ValueError:
        return code


register.filter("person_name", display.person_name)


@register.filter
def name_at_the_time(row: Any, field: str) -> str:
    """Who wrote ``row`` under the name they had then (``{{ decision|name_at_the_time:"created_by"
    }}``); the account's name now for rows written before names were kept."""
    return str(getattr(row, f"{field}_name", "") or display.person_name(getattr(row, field)))


# A profile's own words: ``{{ result.policy|referral_to }}``, ``{{ result.policy|advice_from }}``.
register.filter("referral_to", display.referral_to)
register.filter("advice_from", display.advice_from)


@register.simple_tag
def current_result(incident: Incident) -> AssessmentResult | None:
    return record.current_result(incident)


@register.simple_tag
def confirmation_of(incident: Incident) -> AssessmentResult | None:
    """The DSL's confirmation (or override) that stands for the current outcome: possibly of an
    earlier result with the same outcome."""
    return requirements.confirmation(incident)


@register.simple_tag
def fact_rows(incident: Incident) -> list[tuple[str, str]]:
    return record.fact_rows(record.section(incident, "initial_review"))


@register.simple_tag
def risk_rows(incident: Incident) -> list[tuple[str, str, str]]:
    return record.risk_rows(record.section(incident, "risk_assessment"))


@register.filter
def verbose(instance: Model, field_name: str) -> StrOrPromise:
    """A model field's label, so the page asks the question the form asked."""
    return cast("Field[Any, Any]", instance._meta.get_field(field_name)).verbose_name


@register.simple_tag
def requirements_of(incident: Any) -> requirements.Requirements:
    """``{% requirements_of incident as asked %}``: what the policy requires, and what was done."""
    return requirements.of(incident)


@register.simple_tag
def flags_of(incident: Any) -> list[requirements.Flag]:
    """``{% flags_of incident as flags %}``: safeguards not kept, each with its explanation."""
    return requirements.flags(incident)
