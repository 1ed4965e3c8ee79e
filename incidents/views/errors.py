"""The product's own error pages: 400, 403, 404, 500, a refused CSRF check and a body over the
size limit, each in the site's layout, in plain words, with a way back.

Nothing of the request is echoed (no path, no exception text but the product's own refusals,
which say what the role may not do): an error page must not reflect input, nor tell a 404 for a
record that exists from one for a record that does not (``access.get_incident_for_user``
answers both with the same page).
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from incidents.security import too_big

# When even the layout cannot be drawn (the database or the templates are what failed).
BARE_500 = (
    '<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Something went wrong'
    "</title></head><body><h1>Something went wrong</h1><p>The service could not answer. What "
    'you sent may not have been saved. <a href="/">Go to your dashboard</a> and check, or '
    '<a href="/accounts/login/">sign in again</a>.</p></body></html>'
)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return too_big(request)
    return render(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    # The product's refusals say what the role may not do ("Only the DSL does this."); any
    # other PermissionDenied has no message, or one not meant for the reader.
    reason = str(exception) if isinstance(exception, PermissionDenied) and exception.args else ""
    return render(request, "403.html", {"reason": reason}, status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Drawn without the request: no context processor, no user, no query (the database may be
    what failed)."""
    try:
        return HttpResponseServerError(loader.get_template("500.html").render())
    except Exception:  # noqa: BLE001 - the page that reports a failure must not fail itself
        return HttpResponseServerError(BARE_500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: Django's reason is for developers, never shown."""
    return render(request, "403_csrf.html", status=403)
