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
from incidents.forms.signing import AddendumForm, ApproveForm, ReauthenticateForm, SendBackForm
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


def _done(request, incident, text):
    messages.success(request, text)
    return redirect("incident_detail", reference=incident.reference)


@login_required
@require_http_methods(["GET", "POST"])
def incident_sign(request, reference):
    from incidents.completeness import missing_items

    incident = get_incident_for_user(request, reference, Need.EDIT)
    form = ReauthenticateForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            signing.sign_record(
                incident,
                request.user,
                form.cleaned_data["password"],
                form.cleaned_data["otp_token"],
                request=request,
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
            if hasattr(form, "forget_code"):
                form.forget_code()
        else:
            return _done(request, incident, "Signed. The record now awaits the headteacher.")
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
    if request.method == "POST" and form.is_valid():
        try:
            signing.approve_record(
                incident,
                request.user,
                form.cleaned_data["password"],
                form.cleaned_data["otp_token"],
                request=request,
                sign_off_non_referral=form.cleaned_data.get("sign_off_non_referral", False),
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
            if hasattr(form, "forget_code"):
                form.forget_code()
        else:
            return _done(request, incident, "Approved. The record is now locked.")
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
    if request.method == "POST" and form.is_valid():
        try:
            signing.send_back(incident, request.user, form.cleaned_data["reason"], request=request)
        except ServiceError as exc:
            form.add_error(None, str(exc))
            if hasattr(form, "forget_code"):
                form.forget_code()
        else:
            return _done(request, incident, "Sent back to the DSL with your reason.")
    return _page(request, "send_back.html", incident, form)


@login_required
@require_http_methods(["GET", "POST"])
def incident_non_referral_signoff(request, reference):
    incident = get_incident_for_user(request, reference, Need.APPROVE)
    form = ReauthenticateForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            signing.sign_off_non_referral(
                incident,
                request.user,
                form.cleaned_data["password"],
                form.cleaned_data["otp_token"],
                request=request,
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
            if hasattr(form, "forget_code"):
                form.forget_code()
        else:
            return _done(request, incident, "The decision not to refer is signed off.")
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
    if request.method == "POST" and form.is_valid():
        try:
            signing.add_addendum(
                incident,
                request.user,
                form.cleaned_data["text"],
                form.cleaned_data["password"],
                form.cleaned_data["otp_token"],
                request=request,
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
            if hasattr(form, "forget_code"):
                form.forget_code()
        else:
            return _done(request, incident, "Addendum signed and added to the record.")
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
