"""
`manage.py setup_scoring`: give a fresh install a live scoring model so it scores from its first
lead. Creates the default model (scoring/defaults.py) when no model is live, then scores the
contacts already there. Safe to run again: with a live model it changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError

from contacts.models import Contact
from scoring import selectors, services
from scoring.defaults import default_model_create
from scoring.models import RescoreStatus


class Command(BaseCommand):
    help = "Create the default scoring model if none is live, and score existing contacts."

    def handle(self, *args, **options) -> None:
        live = selectors.live_model()
        if live is not None:
            self.stdout.write(f"A scoring model is live already: '{live.name}'. Nothing to do.")
            return
        model = default_model_create()
        self.stdout.write(
            f"Created the default scoring model '{model.name}' "
            f"({model.rules.count()} rules) and made it live."
        )
        if not Contact.objects.exists():
            self.stdout.write("No contacts yet: each new lead is scored as it arrives.")
            return
        run = services.scoring_model_rescore(model_id=model.pk, reason="manage.py setup_scoring")
        if run.status != RescoreStatus.DONE:
            raise CommandError("Another rescore of this model is running; this one follows it.")
        self.stdout.write(
            f"Scored {run.done:,} existing contacts; {run.newly_qualified:,} qualify and wait "
            "for release in the admin."
        )
