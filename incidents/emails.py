"""E-mail alerts. They carry a reference and a link, never a child's name or what was said."""

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string

from incidents.access import alert_recipients
from incidents.audit import AuditAction, log_action
from incidents.models import Incident, User

logger = logging.getLogger(__name__)


def incident_url(incident: Incident) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/incidents/{incident.reference}/"


def send_concern_alert(incident: Incident, request: HttpRequest | None = None) -> int:
    """Tell the DSL team a concern was reported; return how many people were told.

    Only those who may open the record the alert links to (``access.alert_recipients``): a
    new concern is open to the DSL, every deputy DSL and a deputy in cover alike.
    """
    recipients = alert_recipients(incident)
    if not recipients:
        return 0
    context = {"incident": incident, "url": incident_url(incident), "school": incident.school}
    subject = render_to_string("emails/concern_alert_subject.txt", context).strip()
    body = render_to_string("emails/concern_alert.txt", context)
    try:
        sent = send_mail(
            subject,
            body,
            settings.DEFAULT_FROM_EMAIL,
            [user.email for user in recipients],
            fail_silently=False,
        )
    except (smtplib.SMTPException, OSError):
        # The concern is stored and on the DSL's dashboard whatever the mail server does; the
        # reporter must not see an error for a report that was made.
        logger.exception("Concern alert for incident %s could not be sent", incident.pk)
        log_action(AuditAction.ALERT_FAILED, request=request, incident=incident)
        return 0
    log_action(
        AuditAction.ALERT_SENT,
        request=request,
        incident=incident,
        data={"recipients": [user.pk for user in recipients]},
    )
    return sent


def _send_to_account(user: User, template: str, context: dict[str, object]) -> bool:
    """One e-mail to one account's own address; False when it has none or the server fails."""
    if not user.email:
        return False
    context = {"user": user, "site_name": settings.OTP_TOTP_ISSUER, **context}
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    body = render_to_string(f"emails/{template}.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
    except (smtplib.SMTPException, OSError):
        logger.exception("E-mail %s to account %s could not be sent", template, user.pk)
        return False
    return True


def send_invitation(user: User, url: str, expires_at: object, *, after_reset: bool) -> bool:
    """The invitation link, to the account's own address. Never a record's content."""
    return _send_to_account(
        user, "invitation", {"url": url, "expires_at": expires_at, "after_reset": after_reset}
    )


def send_password_reset(user: User, url: str) -> bool:
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    return _send_to_account(user, "password_reset", {"url": url, "minutes": minutes})
