"""The school's roll, the child's file, its transfer to a new school, and files received.

A pupil's name never travels in a URL: the roll is searched by POST, and pages name a pupil
by their number. Outside the pupil's school every page answers 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents import childfile
from incidents.access import (
    FILE_KEEPERS,
    PUPIL_READERS,
    RECEIVED_READERS,
    Need,
    get_incident_for_user,
    get_pupil_for_user,
    get_received_for_user,
    get_transfer_for_user,
)
from incidents.audit import AuditAction, log_action, log_reads
from incidents.export import render_pupil_file_pdf
from incidents.forms.pupils import (
    CalendarForm,
    ImportPupilsForm,
    PupilSearchForm,
    ReceiptForm,
    SentForm,
    TransferForm,
    parse_roll,
)
from incidents.http import AuthenticatedRequest
from incidents.models import Adult, ClosureDay, Pupil, ReceivedFile, School, Term, Transfer
from incidents.services import ServiceError, StaleVersion
from incidents.services import pupils as services

LISTED = 50


def _school(request: AuthenticatedRequest, allowed: frozenset[str] = PUPIL_READERS) -> School:
    if not request.school:
        raise PermissionDenied("Choose a school first.")
    if not allowed & frozenset(request.roles):
        raise PermissionDenied("Your role in this school does not show pupils' files.")
    return request.school


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def pupil_list(request: AuthenticatedRequest) -> HttpResponse:
    """The roll: those with a safeguarding file, transfers under way, and a search by POST."""
    if not request.school:
        return redirect("home")
    school = _school(request)
    roles = frozenset(request.roles)
    form = PupilSearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = childfile.search_roll(school, form.cleaned_data["q"].strip(), LISTED)
        # The search text may be a child's name: the log keeps how many were found.
        log_action(
            AuditAction.PUPILS_SEARCHED,
            request=request,
            school=school,
            data={"results": len(results)},
        )
    with_files = childfile.pupils_with_files(request.user, school, roles, LISTED)
    return render(
        request,
        "incidents/pupils/list.html",
        {
            "form": form,
            "results": results,
            "with_files": with_files,
            "on_roll": Pupil.objects.filter(school=school, on_roll=True).count(),
            "is_keeper": bool(roles & FILE_KEEPERS),
            "transfers": childfile.open_transfers(school) if roles & FILE_KEEPERS else [],
            "today": timezone.localdate(),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def pupil_import(request: AuthenticatedRequest) -> HttpResponse:
    """The import as a page: the DSL pastes the MIS export's text (never a file)."""
    if not request.school:
        return redirect("home")
    school = _school(request, FILE_KEEPERS)
    form = ImportPupilsForm(request.POST or None)
    summary = rejected = None
    if request.method == "POST" and form.is_valid():
        roll = parse_roll(form.cleaned_data["csv_text"])
        if roll.problem:
            form.add_error("csv_text", roll.problem)
        else:
            rejected = roll.rejected
            try:
                summary = services.import_pupils(
                    school=school, roll=roll, user=request.user, request=request
                )
            except ServiceError as exc:
                form.add_error("csv_text", str(exc))
    return render(
        request,
        "incidents/pupils/import.html",
        {"form": form, "summary": summary, "rejected": rejected},
    )


@never_cache
@login_required
@require_GET
def pupil_file(request: AuthenticatedRequest, pupil: int) -> HttpResponse:
    """The child's file: every incident they are in that the reader may open."""
    found = get_pupil_for_user(request, pupil)
    the_file = childfile.file_of(found, request.user, found.roles)
    log_action(
        AuditAction.PUPIL_FILE_VIEWED,
        request=request,
        school=found.school,
        data={"pupil": found.pk, "incidents": [i.pk for i in the_file.incidents]},
    )
    log_reads(
        AuditAction.VIEWED,
        the_file.incidents,
        request=request,
        school=found.school,
        data={"via": "pupil_file", "pupil": found.pk},
    )
    is_keeper = bool(found.roles & FILE_KEEPERS)
    open_transfer = next((t for t in the_file.transfers if t.receipt_confirmed_at is None), None)
    return render(
        request,
        "incidents/pupils/file.html",
        {
            "pupil": found,
            "file": the_file,
            "is_keeper": is_keeper,
            "open_transfer": open_transfer,
            "transfer_form": (
                TransferForm(school=found.school) if is_keeper and not open_transfer else None
            ),
            "sent_form": SentForm(),
            "receipt_form": ReceiptForm(),
            "today": timezone.localdate(),
        },
    )


@never_cache
@login_required
@require_POST
def pupil_transfer(request: AuthenticatedRequest, pupil: int) -> HttpResponse:
    """Mark the pupil as leaving: the destination and the date the place was confirmed."""
    found = get_pupil_for_user(request, pupil, keeper=True)
    form = TransferForm(request.POST, school=found.school)
    if form.is_valid():
        try:
            transfer = services.start_transfer(
                pupil=found,
                user=request.user,
                place_confirmed_on=form.cleaned_data["place_confirmed_on"],
                destination_school=form.cleaned_data["destination_school"],
                destination_name=form.cleaned_data["destination_name"].strip(),
                request=request,
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, f"Marked as leaving: the file is due by {transfer.due_on:%-d %B %Y}."
            )
            return redirect("pupil_file", pupil=found.pk)
    the_file = childfile.file_of(found, request.user, found.roles)
    return render(
        request,
        "incidents/pupils/file.html",
        {
            "pupil": found,
            "file": the_file,
            "is_keeper": True,
            "open_transfer": None,
            "transfer_form": form,
            "sent_form": SentForm(),
            "receipt_form": ReceiptForm(),
            "today": timezone.localdate(),
        },
        status=200,
    )


@never_cache
@login_required
@require_POST
def transfer_send(request: AuthenticatedRequest, transfer: int) -> HttpResponse:
    found = get_transfer_for_user(request, transfer)
    to_this_service = found.destination_school_id is not None
    form = SentForm(request.POST)
    if "send" not in request.POST:
        messages.error(request, "Nothing was sent: use the button to send the file.")
    elif to_this_service or form.is_valid():
        try:
            services.send_transfer(
                transfer=found,
                user=request.user,
                sent_how="" if to_this_service else form.cleaned_data["sent_how"],
                sent_to="" if to_this_service else form.cleaned_data["sent_to"],
                request=request,
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"The file is sent to {found.destination_name}.")
    else:
        messages.error(request, "Say how the file was sent and to whom.")
    return redirect("pupil_file", pupil=found.pupil_id)


@never_cache
@login_required
@require_POST
def transfer_receipt(request: AuthenticatedRequest, transfer: int) -> HttpResponse:
    """Receipt confirmed by a school not on this service, recorded by hand."""
    found = get_transfer_for_user(request, transfer)
    form = ReceiptForm(request.POST)
    if form.is_valid():
        try:
            services.record_receipt(
                transfer=found,
                user=request.user,
                note=form.cleaned_data["receipt_note"],
                request=request,
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Receipt recorded.")
    else:
        messages.error(request, "Say who at the new school confirmed receipt, and how.")
    return redirect("pupil_file", pupil=found.pupil_id)


@never_cache
@login_required
@require_GET
def transfer_export_pdf(request: AuthenticatedRequest, transfer: int) -> HttpResponse:
    """The file to send, as one PDF, other children redacted."""
    found = get_transfer_for_user(request, transfer)
    filename, content_type, body = render_pupil_file_pdf(found.pupil, purpose="transfer")
    log_action(
        AuditAction.TRANSFER_EXPORTED,
        request=request,
        school=found.school,
        data={"pupil": found.pupil_id, "transfer": found.pk},
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
@require_GET
def pupil_subject_access_pdf(request: AuthenticatedRequest, pupil: int) -> HttpResponse:
    """Everything the school holds about one pupil, others redacted, with a cover note."""
    found = get_pupil_for_user(request, pupil, keeper=True)
    filename, content_type, body = render_pupil_file_pdf(found, purpose="subject_access")
    log_action(
        AuditAction.SUBJECT_ACCESS_EXPORTED,
        request=request,
        school=found.school,
        data={"pupil": found.pk},
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
@require_GET
def received_list(request: AuthenticatedRequest) -> HttpResponse:
    if not request.school:
        return redirect("home")
    school = _school(request, RECEIVED_READERS)
    files = list(
        ReceivedFile.objects.filter(school=school)
        .select_related("transfer", "transfer__receipt_confirmed_by")
        .order_by("-created_at", "-pk")[:LISTED]
    )
    return render(request, "incidents/pupils/received_list.html", {"files": files})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def received_file(request: AuthenticatedRequest, received: int) -> HttpResponse:
    """A file received: read it (audited); the DSL confirms receipt in one click."""
    if request.method == "POST":
        found = get_received_for_user(request, received, keeper=True)
        if "confirm" not in request.POST:
            messages.error(request, "Nothing was confirmed: use the button to confirm receipt.")
        else:
            try:
                services.confirm_received(received=found, user=request.user, request=request)
            except ServiceError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Receipt confirmed: the sending school can see it.")
        return redirect(reverse("received_file", kwargs={"received": found.pk}))
    found = get_received_for_user(request, received)
    log_action(
        AuditAction.RECEIVED_FILE_VIEWED,
        request=request,
        school=found.school,
        data={"received_file": found.pk},
    )
    return render(
        request,
        "incidents/pupils/received.html",
        {
            "received": found,
            "transfer": Transfer.objects.select_related("receipt_confirmed_by").get(
                pk=found.transfer_id
            ),
            "is_keeper": bool(FILE_KEEPERS & found.roles),  # type: ignore[attr-defined]
        },
    )


# The people step: a young person picked from the roll -------------------------------------------


@never_cache
@login_required
@require_POST
def incident_roll_search(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """Pupils of the incident's school matching a name or UPN (htmx swaps the list in)."""
    incident = get_incident_for_user(request, reference, Need.EDIT)
    form = PupilSearchForm(request.POST)
    pupils: list[Pupil] = []
    error = ""
    if form.is_valid():
        pupils = childfile.search_roll(incident.school, form.cleaned_data["q"].strip(), 20)
        log_action(
            AuditAction.PUPILS_SEARCHED,
            request=request,
            incident=incident,
            data={"results": len(pupils)},
        )
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    template = (
        "incidents/wizard/_roll_results.html"
        if request.headers.get("HX-Request")
        else "incidents/wizard/roll_search.html"
    )
    return render(request, template, {"incident": incident, "pupils": pupils, "error": error})


@never_cache
@login_required
@require_POST
def incident_pick_pupil(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    incident = get_incident_for_user(request, reference, Need.EDIT)
    step = reverse("incident_step", kwargs={"reference": incident.reference, "step": "people"})
    try:
        pupil = Pupil.objects.get(pk=int(request.POST.get("pupil", "")), school=incident.school)
        expected = int(request.POST.get("version", ""))
    except (ValueError, Pupil.DoesNotExist):
        messages.error(request, "Choose a pupil from the roll's search.")
        return redirect(step)
    try:
        row = services.pick_pupil(
            incident=incident,
            pupil=pupil,
            user=request.user,
            expected_version=expected,
            request=request,
        )
    except StaleVersion:
        messages.error(
            request, "A colleague saved this record meanwhile: check it and add the pupil again."
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        where = "the adults (18 or over at the incident)" if isinstance(row, Adult) else "below"
        messages.success(request, f"{pupil.name} added from the roll: complete their part {where}.")
    return redirect(step)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def school_calendar(request: AuthenticatedRequest) -> HttpResponse:
    """The DSL enters the school's term dates and closure days (they count school days)."""
    if not request.school:
        return redirect("home")
    school = _school(request, FILE_KEEPERS)
    if request.method == "POST":
        form = CalendarForm(request.POST)
        # Saving replaces the calendar: only the page's own button does it.
        if "save" not in request.POST:
            messages.error(request, "Nothing was saved: use the button to save the term dates.")
        elif form.is_valid():
            services.set_calendar(
                school=school,
                user=request.user,
                terms=form.cleaned_data["terms"],
                closures=form.cleaned_data["closures"],
                request=request,
            )
            messages.success(request, "The school's term dates are saved.")
            return redirect("school_calendar")
    else:
        form = CalendarForm(
            initial={
                "terms": "\n".join(
                    f"{t.name},{t.starts_on},{t.ends_on}"
                    for t in Term.objects.filter(school=school).order_by("starts_on")
                ),
                "closures": "\n".join(
                    f"{c.date},{c.reason}"
                    for c in ClosureDay.objects.filter(school=school).order_by("date")
                ),
            }
        )
    return render(request, "incidents/pupils/calendar.html", {"form": form})
