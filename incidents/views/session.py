"""The "Stay signed in" button of the timeout warning (static/js/session-timeout.js).

A POST, with the page's CSRF token: it counts as the person's activity and renews the idle
limit at once (not once a minute, as pages do), and says how long the session now has.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from incidents.http import AuthenticatedRequest
from incidents.security import idle_remaining, renew


@login_required
@require_POST
def keep_alive(request: AuthenticatedRequest) -> HttpResponse:
    renew(request)
    return JsonResponse({"remaining": int(idle_remaining(request))})
