from django.apps import AppConfig

# Registers the deploy check on the application's database role.
from incidents import checks  # noqa: F401


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Safeguarding incidents"
