"""
Signals sent by the contacts app.

The contacts app defines them and never imports their receivers, so other apps (scoring,
routing) can react to contacts' bulk writes without a circular dependency.
"""

from django.dispatch import Signal

# Sent by contacts.demo.seed_demo() after it has bulk-written the demo world, inside the seeding
# transaction, with `contact_ids` (a list of the new contacts' primary keys). bulk_create() skips
# save() and post_save, so this is the one place to, for example, run scoring's full rescore.
# A receiver that queues a Celery task should do so in transaction.on_commit().
demo_seeded = Signal()
