from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "website"
    verbose_name = "Website tracking and forms"

    def ready(self) -> None:
        from website import privacy

        privacy.register()  # what website tracking holds on a contact, for export and forget
