"""The one module that imports the task framework.

Django 6 ships ``django.tasks``; on Django 5.2 the ``django-tasks`` backport provides the same
API, with ``django-tasks-db``'s database backend (settings.TASKS). Moving to Django 6 changes
the import below and the backend's path in the settings, nothing else.

Tasks are enqueued when the transaction that asked for them commits (``enqueue_on_commit``):
a worker never picks up a task whose rows it cannot see yet, and the immediate backend never
runs one inside a transaction that may still roll back.
"""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django_tasks import TaskResultStatus, default_task_backend, task

__all__ = ["TaskResultStatus", "default_task_backend", "enqueue_on_commit", "task"]


def enqueue_on_commit(queued: Any, *args: Any) -> None:
    """Enqueue ``queued`` (a ``@task``) with ``args`` once the current transaction commits."""
    run: Callable[[], object] = lambda: queued.enqueue(*args)  # noqa: E731
    transaction.on_commit(run)
