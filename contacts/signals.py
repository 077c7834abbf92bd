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

# Sent by the bulk services (contacts.services.contacts_bulk_upsert, activities_bulk_record,
# companies_bulk_upsert) and the CSV import after a batch was written, inside its transaction,
# with `contact_ids` (the contacts whose data changed: new or updated contacts, contacts of
# updated companies, contacts with new activities) and `reason` ("new_activity" or
# "profile_change"), and for activity batches `activities` (the new Activity rows); `rebuild`
# (a merge moved activities in bulk) asks for the contacts' scores to be rebuilt from history.
# Bulk writes skip post_save, so scoring scores these once per batch here, in the same
# transaction, folding in just the new activities.
contacts_bulk_changed = Signal()

# Sent by contacts.merging.contacts_merge() inside its transaction, before it moves every row
# pointing at the duplicates to the kept contact, with `target_id` and `duplicate_ids`. Apps
# whose rows obey a per-contact rule (routing: one open qualification per lead) settle it here,
# in the same transaction; a receiver must not queue work that could run before the commit.
contacts_merging = Signal()
