"""The landing page and the explicit choice of school."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from incidents.access import schools_for
from incidents.audit import AuditAction, log_action
from incidents.middleware import SESSION_KEY
from incidents.views.dashboard import dashboard


@never_cache
@login_required
def home(request):
    # request.school is a lazy object: it is never ``None`` itself, but is falsy when empty.
    if not request.school:
        if schools_for(request.user).exists():
            return redirect("choose_school")
        return render(request, "incidents/no_school.html")
    return dashboard(request)


class ChooseSchoolForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None, empty_label=None, widget=forms.RadioSelect)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools_for(user).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def choose_school(request):
    form = ChooseSchoolForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        school = form.cleaned_data["school"]
        request.session[SESSION_KEY] = school.pk
        log_action(AuditAction.SCHOOL_SWITCHED, request=request, school=school)
        messages.info(request, f"You are now working in {school.name}.")
        return redirect("home")
    return render(request, "incidents/choose_school.html", {"form": form})
