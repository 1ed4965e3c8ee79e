"""django-guardian object permissions with direct foreign keys to the incident.

A DSL grants a named colleague access to one incident; a direct foreign key keeps
the check one indexed join, not a generic object-id lookup.
"""

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from incidents.models.incident import Incident


class IncidentUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Incident, on_delete=models.CASCADE)


class IncidentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Incident, on_delete=models.CASCADE)
