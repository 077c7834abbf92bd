from django.apps import AppConfig


class PredictiveConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "predictive"
    verbose_name = "Predictive score"

    def ready(self) -> None:
        from predictive import privacy, signals  # noqa: F401  (connects the receivers)

        privacy.register()  # what the predictive score holds on a contact, for export
