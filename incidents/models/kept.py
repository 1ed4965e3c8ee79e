"""What someone typed when their session ended, kept for them until they sign in again.

A form posted after the idle (or absolute) limit is not saved and not lost: its fields are kept
here for the person whose session it was, with the page's path, for
``settings.KEPT_SUBMISSION_SECONDS`` (2 hours). Signed in again with both factors, the same
person's next visit to that page shows the form filled from it, once; nothing is saved until
they press save again (``incidents.services.kept``). Never in a URL or a cookie; no file data
(the product accepts no files).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class KeptSubmission(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kept_submissions"
    )
    # The page the form was posted to (its path, no query string): restored only there.
    path = models.CharField(max_length=2000)
    # The form's fields as lists of values (a QueryDict's lists), the CSRF token left out.
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["user", "path"], name="kept_user_path")]

    def __str__(self) -> str:
        return f"Kept submission #{self.pk}"
