"""Sign, approve, send back, sign off a non-referral, add an addendum, verify.

Thin views: fetch and authorise through ``access.get_incident_for_user``, then call the one
service function of ``incidents.services.signing``; a refusal is shown in the form's error
summary.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from incidents import record, requirements, services
from incidents.access import Need, get_incident_for_user
from incidents.audit import AuditAction, log_action
from incidents.digest import SIGNABLE, latest_signature
from incidents.forms.signing import (
    AddendumForm,
    ApproveForm,
    ForgetsCode,
    ReauthenticateForm,
    SendBackForm,
)
from incidents.http import AuthenticatedRequest
from incidents.models import Incident, Role, SignatureKind
from incidents.security import keeps_typed_work, restored


def _data(request: HttpRequest) -> QueryDict | None:
    """The submitted form data; an empty POST is still a submission (and an invalid one).

    On GET, what was typed here when the session ended, if it was kept (``keeps_typed_work``):
    shown to be sent again, never acted on (``_carry_out`` acts on a POST only).
    """
    return request.POST if request.method == "POST" else restored(request)


def _page(
    request: HttpRequest, template: str, incident: Incident, form: forms.BaseForm, **extra: Any
) -> HttpResponse:
    if request.method == "GET":
        # These pages show parts of the record (missing items name children, the reasons for
        # not referring are the DSL's words): reading one is a read of the record.
        log_action(
            AuditAction.VIEWED,
            request=request,
            incident=incident,
            data={"page": template.removesuffix(".html")},
        )
    return render(
        request,
        f"incidents/signing/{template}",
        {"incident": incident, "form": form, **extra},
    )


def _carry_out(
    request: HttpRequest,
    incident: Incident,
    form: forms.BaseForm,
    act: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse | None:
    """On a valid POST, ``act(cleaned_data)``: then back to the record saying ``done``.

    None when there is nothing to do or the service refused; a refusal goes to the form's
    error summary, and a second-factor code, spent once tried, is not offered back.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        act(form.cleaned_data)
    except services.ServiceError as exc:
        form.add_error(None, str(exc))
        if isinstance(form, ForgetsCode):
            form.forget_code()
        return None
    messages.success(request, done)
    return redirect("incident_detail", reference=incident.reference)


@login_required
@require_http_methods(["GET", "POST"])
def incident_sign(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    incident = record.load(
        get_incident_for_user(request, reference, Need.EDIT, queryset=record.incidents()),
        whole=False,
    )
    form = ReauthenticateForm(_data(request))
    done = _carry_out(
        request,
        incident,
        form,
        lambda data: services.sign_record(
            incident,
            request.user,
            data["password"],
            data["otp_token"],
            request=request,
        ),
        "Signed. The record now awaits the headteacher.",
    )
    if done:
        return done
    return _page(
        request,
        "sign.html",
        incident,
        form,
        missing=(
            requirements.blocking(requirements.missing_items(incident))
            if incident.status in SIGNABLE
            else []
        ),
        meaning=services.MEANINGS[SignatureKind.SIGNED],
        # A headteacher signing as DSL: the second signatory approves, not they.
        signer_is_head=Role.HEADTEACHER in request.roles,
    )


def _for_headteacher(request: AuthenticatedRequest, reference: str) -> Incident:
    """The record as the headteacher weighs it: what the policy requires and the DSL's reasons."""
    return record.load(
        get_incident_for_user(request, reference, Need.APPROVE, queryset=record.incidents()),
        whole=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_approve(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    incident = _for_headteacher(request, reference)
    asked = requirements.of(incident)
    needs_signoff = asked.signoff_pending
    form = ApproveForm(_data(request), needs_signoff=needs_signoff)
    done = _carry_out(
        request,
        incident,
        form,
        lambda data: services.approve_record(
            incident,
            request.user,
            data["password"],
            data["otp_token"],
            request=request,
            sign_off_non_referral=data.get("sign_off_non_referral", False),
        ),
        "Approved. The record is now locked.",
    )
    if done:
        return done
    return _page(
        request,
        "approve.html",
        incident,
        form,
        meaning=services.MEANINGS[SignatureKind.APPROVED],
        signoff_meaning=services.MEANINGS[SignatureKind.NON_REFERRAL_SIGNOFF],
        needs_signoff=needs_signoff,
        requirements=asked,
        flags=requirements.flags(incident),
        signed=latest_signature(incident),
    )


@keeps_typed_work
@login_required
@require_http_methods(["GET", "POST"])
def incident_send_back(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    incident = get_incident_for_user(request, reference, Need.APPROVE)
    form = SendBackForm(_data(request))
    done = _carry_out(
        request,
        incident,
        form,
        lambda data: services.send_back(incident, request.user, data["reason"], request=request),
        "Sent back to the DSL with your reason.",
    )
    if done:
        return done
    return _page(request, "send_back.html", incident, form)


@login_required
@require_http_methods(["GET", "POST"])
def incident_non_referral_signoff(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    incident = _for_headteacher(request, reference)
    decision = record.section(incident, "decision")
    asked = requirements.of(incident)
    form = ReauthenticateForm(_data(request))
    done = _carry_out(
        request,
        incident,
        form,
        lambda data: services.sign_off_non_referral(
            incident,
            request.user,
            data["password"],
            data["otp_token"],
            request=request,
        ),
        "The decision not to refer is signed off.",
    )
    if done:
        return done
    return _page(
        request,
        "non_referral_signoff.html",
        incident,
        form,
        meaning=services.MEANINGS[SignatureKind.NON_REFERRAL_SIGNOFF],
        needed=asked.signoff_pending,
        requirements=asked,
        decision=decision,
    )


@keeps_typed_work
@login_required
@require_http_methods(["GET", "POST"])
def incident_addendum(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    incident = get_incident_for_user(request, reference, Need.EDIT)
    form = AddendumForm(_data(request))
    done = _carry_out(
        request,
        incident,
        form,
        lambda data: services.add_addendum(
            incident,
            request.user,
            data["text"],
            data["password"],
            data["otp_token"],
            request=request,
        ),
        "Addendum signed and added to the record.",
    )
    if done:
        return done
    return _page(
        request,
        "addendum.html",
        incident,
        form,
        meaning=services.MEANINGS[SignatureKind.ADDENDUM],
    )


@login_required
@require_GET
def incident_verify(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """Recompute the digest now and say whether the record is intact; the check is audited."""
    incident = get_incident_for_user(request, reference, Need.READ)
    result = services.verify_and_log(incident, request=request)
    return render(
        request, "incidents/signing/verify.html", {"incident": incident, "result": result}
    )
