"""Sign, approve, send back, sign off a non-referral, add an addendum, verify (SPEC §8, §10).

Thin views: fetch and authorise through ``access.get_incident_for_user``, then call the one
service function of ``incidents.signing``; a refusal is shown in the form's error summary.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from incidents import signing
from incidents.access import Need, get_incident_for_user
from incidents.audit import log_action
from incidents.forms.signing import (
    AddendumForm,
    ApproveForm,
    ForgetsCode,
    ReauthenticateForm,
    SendBackForm,
)
from incidents.models import SignatureKind
from incidents.services import ServiceError


def _data(request):
    """The submitted form data; an empty POST is still a submission (and an invalid one)."""
    return request.POST if request.method == "POST" else None


def _page(request, template, incident, form, **extra):
    if request.method == "GET":
        # These pages show parts of the record (missing items name children, the reasons for
        # not referring are the DSL's words): reading one is a read of the record (SPEC §11).
        log_action(
            "incident.viewed",
            request=request,
            incident=incident,
            data={"page": template.removesuffix(".html")},
        )
    return render(
        request,
        f"incidents/signing/{template}",
        {"incident": incident, "form": form, **extra},
    )


def _carry_out(request, incident, form, act, done: str):
    """On a valid POST, ``act(cleaned_data)``: then back to the record saying ``done``.

    None when there is nothing to do or the service refused; a refusal goes to the form's
    error summary, and a second-factor code, spent once tried, is not offered back.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        act(form.cleaned_data)
    except ServiceError as exc:
        form.add_error(None, str(exc))
        if isinstance(form, ForgetsCode):
            form.forget_code()
        return None
    messages.success(request, done)
    return redirect("incident_detail", reference=incident.reference)


@login_required
@require_http_methods(["GET", "POST"])
def incident_sign(request, reference):
    from incidents.completeness import missing_items

    incident = get_incident_for_user(request, reference, Need.EDIT)
    form = ReauthenticateForm(_data(request))
    done = _carry_out(
        request,
        incident,
        form,
        lambda data: signing.sign_record(
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
        missing=missing_items(incident) if incident.status in signing.SIGNABLE else [],
        meaning=signing.MEANINGS[SignatureKind.SIGNED],
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_approve(request, reference):
    incident = get_incident_for_user(request, reference, Need.APPROVE)
    needs_signoff = signing.needs_non_referral_signoff(incident)
    form = ApproveForm(_data(request), needs_signoff=needs_signoff)
    done = _carry_out(
        request,
        incident,
        form,
        lambda data: signing.approve_record(
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
        meaning=signing.MEANINGS[SignatureKind.APPROVED],
        signoff_meaning=signing.MEANINGS[SignatureKind.NON_REFERRAL_SIGNOFF],
        needs_signoff=needs_signoff,
        signed=signing.latest_signature(incident),
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_send_back(request, reference):
    incident = get_incident_for_user(request, reference, Need.APPROVE)
    form = SendBackForm(_data(request))
    done = _carry_out(
        request,
        incident,
        form,
        lambda data: signing.send_back(incident, request.user, data["reason"], request=request),
        "Sent back to the DSL with your reason.",
    )
    if done:
        return done
    return _page(request, "send_back.html", incident, form)


@login_required
@require_http_methods(["GET", "POST"])
def incident_non_referral_signoff(request, reference):
    incident = get_incident_for_user(request, reference, Need.APPROVE)
    form = ReauthenticateForm(_data(request))
    done = _carry_out(
        request,
        incident,
        form,
        lambda data: signing.sign_off_non_referral(
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
        meaning=signing.MEANINGS[SignatureKind.NON_REFERRAL_SIGNOFF],
        needed=signing.needs_non_referral_signoff(incident),
        decision=getattr(incident, "decision", None),
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_addendum(request, reference):
    incident = get_incident_for_user(request, reference, Need.EDIT)
    form = AddendumForm(_data(request))
    done = _carry_out(
        request,
        incident,
        form,
        lambda data: signing.add_addendum(
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
        meaning=signing.MEANINGS[SignatureKind.ADDENDUM],
    )


@login_required
@require_GET
def incident_verify(request, reference):
    """Recompute the digest now and say whether the record is intact; the check is audited."""
    incident = get_incident_for_user(request, reference, Need.READ)
    result = signing.verify_and_log(incident, request=request)
    return render(
        request, "incidents/signing/verify.html", {"incident": incident, "result": result}
    )
