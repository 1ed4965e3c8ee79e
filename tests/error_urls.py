"""The site's URLs and error handlers, and views that fail on purpose (test_error_pages.py)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from safeguarding.urls import handler400, handler403, handler404, handler500, urlpatterns

SECRET = "secret-detail-/etc/passwd-<b>"


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET)


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(SECRET)


def denied(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


urlpatterns = [
    path("test-errors/500/", fails),
    path("test-errors/400/", suspicious),
    path("test-errors/403/", denied),
    *urlpatterns,
]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
