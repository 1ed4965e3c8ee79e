"""The landing page and the explicit choice of school."""

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from incidents.access import schools_for
from incidents.audit import AuditAction, log_action
from incidents.forms.common import CheckedText
from incidents.http import AuthenticatedRequest
from incidents.middleware import SESSION_KEY
from incidents.models import School, User
from incidents.views.dashboard import dashboard


@never_cache
@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    # request.school is a lazy object: it is never ``None`` itself, but is falsy when empty.
    if not request.school:
        if schools_for(request.user).exists():
            return redirect("choose_school")
        return render(request, "incidents/no_school.html")
    return dashboard(request)


class ChooseSchoolForm(CheckedText, forms.Form):
    school: forms.ModelChoiceField[School] = forms.ModelChoiceField(
        queryset=None, empty_label=None, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[School]", self.fields["school"])
        field.queryset = schools_for(user).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def choose_school(request: AuthenticatedRequest) -> HttpResponse:
    form = ChooseSchoolForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        school = form.cleaned_data["school"]
        request.session[SESSION_KEY] = school.pk
        log_action(AuditAction.SCHOOL_SWITCHED, request=request, school=school)
        messages.info(request, f"You are now working in {school.name}.")
        return redirect("home")
    return render(request, "incidents/choose_school.html", {"form": form})
