from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = "Scoring"

    def ready(self) -> None:
        from scoring import signals

        signals.connect_rule_receivers()

        from scoring import privacy

        privacy.register()  # what scoring holds on a contact, for export and forget
