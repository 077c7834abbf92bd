from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "Routing"

    def ready(self) -> None:
        from routing import merging, privacy, signals  # noqa: F401 - connects the receivers

        privacy.register()  # what routing holds on a contact, for export and forget
