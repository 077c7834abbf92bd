from django.apps import AppConfig


class PredictiveConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "predictive"
    verbose_name = "Predictive score"

    def ready(self) -> None:
        from predictive import privacy, signals  # noqa: F401  (connects the receivers)

        privacy.register()  # what the predictive score holds on a contact, for export
        from predictive.services import predictions_refresh
        from scoring.models import OutboxTopic
        from scoring.services import outbox_handler_register

        outbox_handler_register(
            topic=OutboxTopic.PREDICTIONS_REFRESH,
            handler=lambda payload: predictions_refresh(contact_ids=payload["contact_ids"]),
        )
