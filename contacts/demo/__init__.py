"""
A realistic, deterministic B2B world for demos, screenshots and benchmarks (`manage.py seed_demo`).

Two steps:

- generate_world() builds everything in memory. It is pure: one random.Random(seed) drives every
  choice and every date is relative to the `now` passed in, so the same seed and `now` always give
  the same data (and no database is needed to test it).
- seed_demo() writes that world with bulk_create() in one transaction, creates the demo users,
  and sends contacts.signals.demo_seeded so other apps can react (bulk_create skips save()).

Each generated contact has a hidden *propensity* (0..1): how likely the person is to buy. It comes
from their fit (seniority, job function, company size, industry, kind of email address) plus noise,
and it drives what the contact does (how many activities, how recent, how high-intent) and whether
they were won or lost. That is what makes the demo worth scoring: a good scoring model should
recover the propensity from the visible data. It is never stored in the database;
seed_demo() returns it in DemoSummary.propensity (email -> propensity) for tests and benchmarks.

The package, by concern: world (the generated world's plain data and the propensity), the
reference tables (company_data, people_data, activity_data, users), the builders (builder:
companies, contacts and the whole world; journeys: activities, outcomes and lifecycle) and
seeding (writing the world to the database). The names below are its public interface.
"""

from contacts.demo.builder import generate_world
from contacts.demo.company_data import COMPETITOR_DOMAINS, FREE_MAIL_DOMAINS
from contacts.demo.seeding import (
    BATCH_SIZE,
    DemoDataExists,
    DemoSummary,
    DemoUserLogin,
    crm_data_exists,
    delete_crm_data,
    seed_demo,
    write_world,
)
from contacts.demo.users import DEMO_USERS, DemoUser
from contacts.demo.world import (
    COMPETITOR_SHARE,
    CONTACTS_PER_COMPANY,
    DEFAULT_SEED,
    FREE_MAIL_SHARE,
    HISTORY_DAYS,
    DemoActivity,
    DemoCompany,
    DemoContact,
    DemoOutcome,
    DemoWorld,
    contact_fit,
    contact_propensity,
    propensity_from_fit,
)

__all__ = [
    "BATCH_SIZE",
    "COMPETITOR_DOMAINS",
    "COMPETITOR_SHARE",
    "CONTACTS_PER_COMPANY",
    "DEFAULT_SEED",
    "DEMO_USERS",
    "FREE_MAIL_DOMAINS",
    "FREE_MAIL_SHARE",
    "HISTORY_DAYS",
    "DemoActivity",
    "DemoCompany",
    "DemoContact",
    "DemoDataExists",
    "DemoOutcome",
    "DemoSummary",
    "DemoUser",
    "DemoUserLogin",
    "DemoWorld",
    "contact_fit",
    "contact_propensity",
    "crm_data_exists",
    "delete_crm_data",
    "generate_world",
    "propensity_from_fit",
    "seed_demo",
    "write_world",
]
