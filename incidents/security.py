"""Request-level safeguards that every view gets without asking.

- ``RefuseFilesMiddleware``: no request that carries a file is ever accepted (the
  imagery must never be copied or stored; there is no upload anywhere in the product).
- ``SessionLimitsMiddleware``: a session ends after 30 minutes idle and 12 hours at most; a
  form posted after that is kept for its author and shown again once they sign in.
- ``SecondFactorMiddleware``: anyone whose role can read records (and every system
  administrator, who can change roles) proves a second factor before any page but sign-in.
- ``LockoutHandler``: django-axes's count of failed sign-ins, per username and address and,
  with a higher threshold, per username across addresses.
- ``NoStoreMiddleware``: nothing shown to a signed-in user is kept in a browser or proxy cache.
"""

import time
from typing import Any, TypeVar
from urllib.parse import urlencode

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from incidents.access import READERS, has_second_factor
from incidents.audit import AuditAction, log_action
from incidents.forms.common import TEXT_LIMIT
from incidents.http import GetResponse
from incidents.models import Membership
from incidents.services.kept import keep, paths_for, take

# Session keys: when the user signed in, and when they were last seen (UNIX seconds); in the
# signed-out session that follows one that ended, why it ended.
SESSION_AUTH_AT = "auth_at"
SESSION_SEEN_AT = "seen_at"
SESSION_ENDED = "session_ended"
# In a signed-in session: the pages where what the person typed is kept for them.
SESSION_KEPT_PATHS = "kept_paths"
# On a request: the user and limit of a form posted after its session ended.
_LATE_POST = "_late_post"
REMAINING_HEADER = "Session-Idle-Remaining"
V = TypeVar("V")

# Bodies whose type is itself a media file are refused without reading them.
_MEDIA_PREFIXES = ("image/", "video/", "audio/", "application/octet-stream")

FILE_REFUSED_MESSAGE = (
    "This service never accepts files. Images and videos of young people must never be "
    "uploaded, copied or stored: describe in words what you have been told the imagery shows."
)


class _RefuseFileParts(FileUploadHandler):
    """An upload handler that stores nothing and stops parsing at the first file part."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.saw_file = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        self.saw_file = True
        raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        return None

    def file_complete(self, file_size: int) -> "UploadedFile[Any] | None":
        return None


def size_in_words(size: int) -> str:
    """A number of bytes as a person reads it: "1 MB", "2.5 MB", "500 KB"."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(size / 1000))} KB"


def too_big(request: HttpRequest) -> HttpResponse:
    """A body over settings.DATA_UPLOAD_MAX_MEMORY_SIZE: the limit in words, and what to do.

    Nothing of it is read, so nothing of it is saved; the browser stops each text box at its
    limit (``forms.common.TEXT_LIMIT``) and ``static/js/app.js`` stops a whole form over this
    one before it is sent, so a person typing meets this page only without JavaScript.
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return render(
        request,
        "errors/too_big.html",
        {"limit": size_in_words(limit), "text_limit": f"{TEXT_LIMIT:,}"},
        status=413,
    )


def _too_long(request: HttpRequest) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return limit is not None and length > limit


def _refuse(request: HttpRequest) -> HttpResponse:
    return render(
        request, "security/file_refused.html", {"message": FILE_REFUSED_MESSAGE}, status=400
    )


class RefuseFilesMiddleware:
    """A multipart body with a file part, or a media body, is answered 400 unstored; a body
    over the size limit, 413 with the limit in words (before anything reads it)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type.startswith(_MEDIA_PREFIXES):
            return _refuse(request)
        if _too_long(request):
            return too_big(request)
        if content_type == "multipart/form-data":
            handler = _RefuseFileParts(request)
            request.upload_handlers = [handler]
            try:
                request.POST  # noqa: B018 - parse now, with the handler that stores nothing
            except RequestDataTooBig:
                return too_big(request)
            except (MultiPartParserError, TooManyFieldsSent):
                return _refuse(request)
            if handler.saw_file or request.FILES:
                return _refuse(request)
        return self.get_response(request)


def end_session(request: HttpRequest, reason: str) -> None:
    """Log the user out, recording why, before anything else of the request runs.

    A form posted too late is noted on the request (whose it was, and why the session ended):
    ``process_view`` keeps it once the CSRF check has passed. The new, signed-out session says
    why it began, for the sign-in page (``session_ended``).
    """
    user = request.user
    log_action(AuditAction.SESSION_EXPIRED, request=request, user=user, data={"limit": reason})
    if request.method == "POST" and not request.headers.get("HX-Request"):
        setattr(request, _LATE_POST, (user, reason))
    logout(request)
    request.session[SESSION_ENDED] = {"limit": reason, "kept": False}


def session_ended(request: HttpRequest) -> dict[str, Any] | None:
    """Why the last session ended ({"limit": "idle" or "absolute", "kept": bool}), or None."""
    ended = request.session.get(SESSION_ENDED)
    return ended if isinstance(ended, dict) else None


def _duration(seconds: int) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def idle_limit_text() -> str:
    """The idle limit in words ("30 minutes")."""
    return _duration(settings.SESSION_IDLE_SECONDS)


def ended_message(request: HttpRequest) -> str:
    """What the sign-in page says about the session that just ended ("" if none did)."""
    ended = session_ended(request)
    if ended is None:
        return ""
    if ended.get("limit") == "absolute":
        why = (
            "Your session ended: you had been signed in for "
            f"{_duration(settings.SESSION_MAX_AGE_SECONDS)}."
        )
    else:
        why = f"Your session ended after {idle_limit_text()} without activity."
    if ended.get("kept"):
        return f"{why} Sign in again; what you typed has been kept."
    return f"{why} Sign in again."


def idle_remaining(request: HttpRequest, now: float | None = None) -> float:
    """Seconds before the signed-in session ends for want of activity, as the server sees it."""
    session = request.session
    seen_at = session.get(SESSION_SEEN_AT, session.get(SESSION_AUTH_AT))
    if seen_at is None:
        return float(settings.SESSION_IDLE_SECONDS)
    now = time.time() if now is None else now
    return max(0.0, float(seen_at) + settings.SESSION_IDLE_SECONDS - now)


def renew(request: HttpRequest) -> None:
    """Count this request as the person's activity now (the "Stay signed in" button)."""
    request.session[SESSION_SEEN_AT] = time.time()


class SessionLimitsMiddleware:
    """30 minutes idle, 12 hours at most (settings SESSION_IDLE_SECONDS, SESSION_MAX_AGE_SECONDS).

    The limits are this middleware's: the session store keeps an idle session's row longer
    (SESSION_COOKIE_AGE, the idle limit plus KEPT_SUBMISSION_SECONDS), so that a form posted
    after the limit still says whose it was and is kept for them (``process_view``). The last
    seen time is renewed at most every SESSION_RENEW_SECONDS: a write of the session on every
    page cost each page an UPDATE. A session may so end up to that long before 30 minutes
    idle, never after. Each response to a signed-in person says how long is left
    (``Session-Idle-Remaining``, seconds), for the warning dialog after an htmx request.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            auth_at = session.get(SESSION_AUTH_AT)
            # Not yet seen (only passive requests since signing in): idle since signing in.
            seen_at = session.get(SESSION_SEEN_AT, auth_at)
            if auth_at is not None and now - auth_at > settings.SESSION_MAX_AGE_SECONDS:
                end_session(request, "absolute")
            elif seen_at is not None and now - seen_at > settings.SESSION_IDLE_SECONDS:
                end_session(request, "idle")
            elif auth_at is None:
                session[SESSION_AUTH_AT] = now
        response = self.get_response(request)
        if request.user.is_authenticated and SESSION_SEEN_AT in request.session:
            response[REMAINING_HEADER] = str(int(idle_remaining(request)))
        return response

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        """Renew the last seen time, unless the view is ``passive`` (a page that polls by
        itself, such as an export's progress: left open, it must not keep the session alive).

        A form posted after the session ended (noted by ``end_session``) reaches here only once
        the CSRF check has passed (CsrfViewMiddleware comes earlier): it is kept, never
        replayed, for the person whose session it was, when its view ``keeps_typed_work``,
        and they are sent to sign in, then back to the page.
        """
        late: tuple[Any, str] | None = getattr(request, _LATE_POST, None)
        if late is not None:
            user, limit = late
            if not getattr(view_func, KEEPS_ATTRIBUTE, False):
                return None
            keep(request, user, request.path, request.POST, limit)
            request.session[SESSION_ENDED] = {"limit": limit, "kept": True}
            return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
        if not request.user.is_authenticated or getattr(view_func, PASSIVE_ATTRIBUTE, False):
            return None
        now = time.time()
        seen_at = request.session.get(SESSION_SEEN_AT)
        if seen_at is None or now - seen_at >= settings.SESSION_RENEW_SECONDS:
            request.session[SESSION_SEEN_AT] = now
        return None


PASSIVE_ATTRIBUTE = "session_passive"
KEEPS_ATTRIBUTE = "session_keeps_typed_work"


def keeps_typed_work(view: V) -> V:
    """Mark a view whose form, posted after the session ended, is kept for its author and
    shown again after they sign in (the view calls ``restored`` on GET and binds its form)."""
    setattr(view, KEEPS_ATTRIBUTE, True)
    return view


def restored(request: HttpRequest) -> QueryDict | None:
    """What this person typed on this page when their session ended, once; a message says so.

    The view binds its form to it on GET and saves nothing: the person checks it and presses
    save again (a new POST, with the new session's CSRF token).
    """
    if not request.user.is_authenticated or request.method != "GET":
        return None
    # Only where signing in found something kept: other pages ask the database nothing.
    waiting: list[str] = request.session.get(SESSION_KEPT_PATHS, [])
    if request.path not in waiting:
        return None
    request.session[SESSION_KEPT_PATHS] = [path for path in waiting if path != request.path]
    data = take(request, request.user, request.path)
    if data is not None:
        messages.warning(request, RESTORED_MESSAGE)
    return data


def note_kept(request: HttpRequest, user: Any) -> None:
    """At sign-in: remember in the session the pages where something is kept for ``user``."""
    request.session.pop(SESSION_ENDED, None)
    paths = paths_for(user)
    if paths:
        request.session[SESSION_KEPT_PATHS] = paths


RESTORED_MESSAGE = "We kept what you typed when your session ended. Check it and press Save."


def passive(view: V) -> V:
    """Mark a view whose requests are not the person's activity: it never renews the idle limit.

    The page polls on its own (htmx, or a meta refresh without JavaScript); a session left on
    it still ends 30 minutes after the person's last real request.
    """
    setattr(view, PASSIVE_ATTRIBUTE, True)
    return view


def needs_second_factor(user: Any) -> bool:
    """Every role that can read records, and system administrators, who manage roles."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.filter(user=user, role__in=READERS).exists()


def _exempt_paths() -> tuple[str, ...]:
    return (
        reverse("login"),
        reverse("logout"),
        reverse("two_factor_verify"),
        reverse("two_factor_enrol"),
        # An invitation, a forgotten password, and a passkey given as the second factor.
        "/accounts/invitation/",
        reverse("password_reset"),
        "/accounts/reset/",
        "/accounts/passkeys/authentication/",
        reverse("otp_webauthn:js-i18n-catalog"),
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}",
    )


class SecondFactorMiddleware:
    """Before any page but sign-in itself, a user who needs a second factor must have given it.

    Other views need nothing: they are never reached unverified. A user with no device yet is
    sent to enrol, one with a device to enter a code; either way back to where they were going.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            # django-otp's OTPMiddleware, earlier in the chain, adds is_verified to the user.
            and not user.is_verified()  # type: ignore[attr-defined]
            and not request.path_info.startswith(_exempt_paths())
            and needs_second_factor(user)
        ):
            target = reverse("two_factor_verify" if has_second_factor(user) else "two_factor_enrol")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)


class NoStoreMiddleware:
    """Every response to a signed-in user: ``Cache-Control: no-store`` (and private, no-cache)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class LockoutHandler(AxesDatabaseHandler):  # type: ignore[misc]  # axes has no types
    """django-axes's database handler with two thresholds (settings.AXES_LOCKOUT_PARAMETERS).

    A username is locked out from one address after AXES_FAILURE_LIMIT failures there, and
    everywhere after AXES_USERNAME_FAILURE_LIMIT failures from any addresses (guessing spread
    over many addresses). axes compares one count with one limit: this reports the limit once
    either threshold is reached, and the pair's count below it.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        counts = [
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        pair = counts[0] if counts else 0
        username = counts[1] if len(counts) > 1 else 0
        if pair >= settings.AXES_FAILURE_LIMIT or username >= settings.AXES_USERNAME_FAILURE_LIMIT:
            return int(settings.AXES_FAILURE_LIMIT)
        return int(pair)
