"""
Writes a generated demo world to the database: the demo users, every company, contact,
activity and outcome in bulk, in one transaction that ends with the demo_seeded signal; and
the summary seed_demo() returns.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from contacts.demo.builder import generate_world
from contacts.demo.users import DEMO_USERS
from contacts.demo.world import DEFAULT_SEED, DemoOutcome, DemoWorld
from contacts.models import (
    Activity,
    Company,
    Contact,
    Outcome,
    OutcomeResult,
    normalize_domain,
)
from contacts.signals import demo_seeded
from leadscore.roles import user_set_role

# Batch size for bulk_create (SQLite further limits it to its maximum query parameters).
BATCH_SIZE = 2000


class _Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


class DemoDataExists(Exception):
    """Seeding would mix demo data into a database that already has contacts or companies."""


@dataclass(frozen=True)
class DemoUserLogin:
    username: str
    role: str
    # None when the user already existed: its password was left alone.
    password: str | None


@dataclass
class DemoSummary:
    seed: int
    now: datetime
    companies: int
    contacts: int
    activities: int
    outcomes_won: int
    outcomes_lost: int
    account_outcomes: int  # of the won/lost outcomes, those recorded on a company
    users: list[DemoUserLogin]
    elapsed_seconds: float
    # email -> hidden propensity; in memory only, never stored.
    propensity: dict[str, float] = field(repr=False)

    @property
    def outcomes(self) -> int:
        return self.outcomes_won + self.outcomes_lost

    def report(self) -> str:
        lines = [
            f"Seeded demo data (seed {self.seed}) in {self.elapsed_seconds:.1f} s "
            "(including on-commit work such as rescoring):",
            f"  companies:  {self.companies:,}",
            f"  contacts:   {self.contacts:,}",
            f"  activities: {self.activities:,}",
            f"  outcomes:   {self.outcomes:,} ({self.outcomes_won:,} won, "
            f"{self.outcomes_lost:,} lost; {self.account_outcomes:,} on accounts)",
            "Demo users (demo only, do not use these passwords anywhere real):",
        ]
        for user in self.users:
            password = user.password or "(existing user: password not changed)"
            lines.append(f"  {user.username:<10} {user.role:<14} {password}")
        return "\n".join(lines)


def crm_data_exists() -> bool:
    return Contact.objects.exists() or Company.objects.exists()


def delete_crm_data() -> None:
    """Delete every outcome, activity, contact and company (users are kept)."""
    # Outcomes and activities go in one plain DELETE each, bypassing Django's collector: with
    # post_delete receivers connected (scoring rescores a contact when an activity goes) it would
    # load and signal each of ~200k rows, for contacts about to be deleted anyway; the seed's
    # demo_seeded signal triggers the full rescore. Rows of other apps that point at these
    # (a score change's activity) are removed or nulled by the contact and company deletes below,
    # before the transaction commits and the deferred foreign keys are checked.
    with connection.cursor() as cursor:
        for model in (Outcome, Activity):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    Contact.objects.all().delete()
    Company.objects.all().delete()


def _say(stdout: _Writer | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _ensure_demo_users(now: datetime) -> tuple[dict[str, Any], list[DemoUserLogin]]:
    """Create the demo users that are missing; existing users keep their password and role."""
    User = get_user_model()
    existing = {
        user.username: user
        for user in User.objects.filter(username__in=[demo.username for demo in DEMO_USERS])
    }
    users: dict[str, Any] = {}
    logins = []
    for demo in DEMO_USERS:
        user = existing.get(demo.username)
        if user is not None:
            users[demo.username] = user
            logins.append(DemoUserLogin(demo.username, demo.role.value, None))
            continue
        user = User(
            username=demo.username,
            first_name=demo.first_name,
            last_name=demo.last_name,
            email=demo.email,
            is_superuser=demo.is_superuser,
            date_joined=now,
        )
        user.set_password(demo.password)
        user.save()
        user_set_role(user=user, role=demo.role)
        users[demo.username] = user
        logins.append(DemoUserLogin(demo.username, demo.role.value, demo.password))
    return users, logins


def _outcome_row(outcome: DemoOutcome, users: dict[str, Any], **subject: Any) -> Outcome:
    recorded_by = users.get(outcome.recorded_by_username) if outcome.recorded_by_username else None
    return Outcome(
        result=outcome.result,
        decided_at=outcome.decided_at,
        lost_reason=outcome.lost_reason,
        amount=outcome.amount,
        recorded_by=recorded_by,
        **subject,
    )


def write_world(world: DemoWorld, *, users: dict[str, Any]) -> list[int]:
    """Bulk-insert the world; returns the new contacts' ids."""
    company_ids = _write_companies(world, users)
    contact_ids = _write_contacts(world, company_ids)
    _write_activities_and_outcomes(world, users, company_ids, contact_ids)
    return contact_ids


def _write_companies(world: DemoWorld, users: dict[str, Any]) -> dict[int, int]:
    """The world's companies; returns their ids by id() of the generated company."""
    company_rows = [
        Company(
            name=company.name,
            # bulk_create() skips Company.save(), which normally normalises the domain.
            domain=normalize_domain(company.domain),
            industry=company.industry,
            employee_count=company.employee_count,
            annual_revenue=company.annual_revenue,
            country=company.country,
            region=company.region,
            city=company.city,
            technologies=company.technologies,
            account_owner=users.get(company.owner_username) if company.owner_username else None,
        )
        for company in world.companies
    ]
    Company.objects.bulk_create(company_rows, batch_size=BATCH_SIZE)
    return {id(company): row.pk for company, row in zip(world.companies, company_rows, strict=True)}


def _write_contacts(world: DemoWorld, company_ids: dict[int, int]) -> list[int]:
    """The world's contacts, created when they first showed up; returns their ids in order."""
    contact_rows = [
        Contact(
            email=contact.email,
            first_name=contact.first_name,
            last_name=contact.last_name,
            job_title=contact.job_title,
            phone=contact.phone,
            company_id=company_ids[id(contact.company)] if contact.company else None,
            lead_source=contact.lead_source,
            lifecycle_stage=contact.lifecycle_stage,
            unsubscribed=contact.unsubscribed,
            do_not_contact=contact.do_not_contact,
            properties=contact.properties,
            **contact.stage_dates,
        )
        for contact in world.contacts
    ]
    Contact.objects.bulk_create(contact_rows, batch_size=BATCH_SIZE)
    if any(row.pk is None for row in contact_rows):
        # Databases that cannot return ids from a bulk insert: look them up by email.
        ids = dict(Contact.objects.values_list("email", "id"))
        for row in contact_rows:
            row.pk = ids[row.email]
    contact_ids = [row.pk for row in contact_rows]
    # "Created" is when the contact first showed up (their first activity or stage date),
    # spread over the demo's months, not the moment of seeding (auto_now_add set that).
    for contact, row in zip(world.contacts, contact_rows, strict=True):
        seen = [a.occurred_at for a in contact.activities] + list(contact.stage_dates.values())
        if seen:
            row.created_at = min(seen)
    Contact.objects.bulk_update(contact_rows, ["created_at"], batch_size=BATCH_SIZE)
    return contact_ids


def _write_activities_and_outcomes(
    world: DemoWorld, users: dict[str, Any], company_ids: dict[int, int], contact_ids: list[int]
) -> None:
    """The contacts' activities and outcomes, then the outcomes recorded on accounts."""
    activity_rows = [
        Activity(
            contact_id=contact_id,
            kind=activity.kind,
            occurred_at=activity.occurred_at,
            properties=activity.properties,
            source=activity.source,
            external_id=activity.external_id,
        )
        for contact, contact_id in zip(world.contacts, contact_ids, strict=True)
        for activity in contact.activities
    ]
    Activity.objects.bulk_create(activity_rows, batch_size=BATCH_SIZE)

    outcome_rows = [
        _outcome_row(contact.outcome, users, contact_id=contact_id)
        for contact, contact_id in zip(world.contacts, contact_ids, strict=True)
        if contact.outcome is not None
    ]
    outcome_rows += [
        _outcome_row(outcome, users, company_id=company_ids[id(company)])
        for company, outcome in world.account_outcomes
    ]
    Outcome.objects.bulk_create(outcome_rows, batch_size=BATCH_SIZE)


def seed_demo(
    *,
    contacts: int,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    reset: bool = False,
    stdout: _Writer | None = None,
) -> DemoSummary:
    """
    Fill the database with a demo world of `contacts` contacts, deterministic for (seed, now).

    Refuses (DemoDataExists) when contacts or companies already exist, unless `reset` is set,
    which first deletes every outcome, activity, contact and company. Everything happens in one
    transaction, ending with the demo_seeded signal.
    """
    started = time.monotonic()
    now = now or timezone.now()
    with transaction.atomic():
        if crm_data_exists():
            if not reset:
                raise DemoDataExists(
                    "The database already has contacts or companies. Use --reset to delete "
                    "them all first, or --if-empty to skip seeding when there is data."
                )
            _say(stdout, "Deleting existing outcomes, activities, contacts and companies...")
            delete_crm_data()
        world = generate_world(contacts=contacts, seed=seed, now=now)
        _say(
            stdout,
            f"Generated {len(world.contacts):,} contacts and {world.activity_count:,} activities "
            f"in {time.monotonic() - started:.1f} s; writing...",
        )
        users, logins = _ensure_demo_users(now)
        contact_ids = write_world(world, users=users)
        # bulk_create() sent no post_save: let other apps (scoring) catch up in one go.
        demo_seeded.send(sender=Contact, contact_ids=contact_ids)
        _say(stdout, f"Written in {time.monotonic() - started:.1f} s; committing...")

    outcomes = [c.outcome for c in world.contacts if c.outcome is not None]
    outcomes += [outcome for _, outcome in world.account_outcomes]
    won = sum(1 for outcome in outcomes if outcome.result == OutcomeResult.WON)
    return DemoSummary(
        seed=seed,
        now=now,
        companies=len(world.companies),
        contacts=len(world.contacts),
        activities=world.activity_count,
        outcomes_won=won,
        outcomes_lost=len(outcomes) - won,
        account_outcomes=len(world.account_outcomes),
        users=logins,
        elapsed_seconds=time.monotonic() - started,
        propensity={contact.email: contact.propensity for contact in world.contacts},
    )
