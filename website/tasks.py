from celery import shared_task

from website import services


@shared_task(name="website.purge_visitors")
def purge_visitors() -> int:
    """Celery beat, daily: forget visitors unseen for WEBSITE_VISITOR_RETENTION_DAYS."""
    return services.visitors_purge()
