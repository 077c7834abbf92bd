"""The Celery app. Configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadscore.settings")

app = Celery("leadscore")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="leadscore.ping", ignore_result=False)  # its result is what it is for
def ping() -> dict[str, object]:
    """Report which process ran the task, so a test can prove a real worker did."""
    import socket

    return {"pid": os.getpid(), "hostname": socket.gethostname()}
