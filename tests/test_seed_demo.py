import datetime as dt
import io
import statistics

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models.functions import Lower

from contacts.demo import (
    COMPETITOR_DOMAINS,
    DEMO_USERS,
    FREE_MAIL_DOMAINS,
    HISTORY_DAYS,
    contact_propensity,
    generate_world,
    seed_demo,
)
from contacts.models import (
    STAGE_DATE_FIELDS,
    Activity,
    Company,
    Contact,
    LifecycleStage,
    Outcome,
    OutcomeResult,
)
from leadscore.roles import Role
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def _snapshot() -> dict[str, list[tuple]]:
    """Everything seeded, without database ids and bookkeeping timestamps."""
    stage_fields = list(STAGE_DATE_FIELDS.values())
    return {
        "companies": sorted(
            Company.objects.values_list(
                "domain",
                "name",
                "industry",
                "employee_count",
                "annual_revenue",
                "country",
                "region",
                "city",
                "account_owner__username",
            )
        ),
        "contacts": sorted(
            (*row[:-1], repr(row[-1]))
            for row in Contact.objects.values_list(
                "email",
                "first_name",
                "last_name",
                "job_title",
                "phone",
                "company__domain",
                "lead_source",
                "lifecycle_stage",
                *stage_fields,
                "unsubscribed",
                "do_not_contact",
                "properties",
            )
        ),
        "activities": sorted(
            (*row[:-1], repr(row[-1]))
            for row in Activity.objects.values_list(
                "contact__email", "kind", "occurred_at", "source", "external_id", "properties"
            )
        ),
        "outcomes": sorted(
            Outcome.objects.values_list(
                "contact__email",
                "company__domain",
                "result",
                "decided_at",
                "lost_reason",
                "amount",
                "recorded_by__username",
            ),
            key=repr,
        ),
    }


@pytest.fixture(scope="module")
def small_world():
    return generate_world(contacts=300, seed=7, now=NOW)


def test_the_same_seed_and_now_give_identical_data_and_another_seed_does_not():
    seed_demo(contacts=300, seed=42, now=NOW)
    first = _snapshot()
    seed_demo(contacts=300, seed=42, now=NOW, reset=True)
    assert _snapshot() == first
    seed_demo(contacts=300, seed=43, now=NOW, reset=True)
    other = _snapshot()
    assert other["contacts"] != first["contacts"]
    assert other["activities"] != first["activities"]
    assert other["outcomes"] != first["outcomes"]


def test_the_summary_counts_what_was_written():
    summary = seed_demo(contacts=300, seed=42, now=NOW)
    assert summary.contacts == Contact.objects.count() == 300
    assert summary.companies == Company.objects.count()
    assert summary.activities == Activity.objects.count()
    assert summary.outcomes_won == Outcome.objects.filter(result=OutcomeResult.WON).count()
    assert summary.outcomes_lost == Outcome.objects.filter(result=OutcomeResult.LOST).count()
    assert summary.account_outcomes == Outcome.objects.filter(company__isnull=False).count()
    assert set(summary.propensity) == set(Contact.objects.values_list("email", flat=True))
    assert all(0 < p < 1 for p in summary.propensity.values())


def test_won_share_and_propensity_are_clearly_correlated():
    # Over seeds 1-100 at 600 contacts the top-minus-bottom tercile won share ranged 0.22-0.42
    # and the point-biserial correlation 0.32-0.51 (seed 42: 0.35 and 0.43).
    summary = seed_demo(contacts=600, seed=42, now=NOW)
    won_emails = set(
        Outcome.objects.filter(result=OutcomeResult.WON, contact__isnull=False).values_list(
            "contact__email", flat=True
        )
    )
    ranked = sorted(summary.propensity, key=summary.propensity.get)
    third = len(ranked) // 3

    def won_share(emails):
        return sum(email in won_emails for email in emails) / len(emails)

    bottom, top = won_share(ranked[:third]), won_share(ranked[-third:])
    assert top - bottom >= 0.2, (top, bottom)
    propensities = [summary.propensity[email] for email in ranked]
    won = [1.0 if email in won_emails else 0.0 for email in ranked]
    assert statistics.correlation(propensities, won) > 0.3


def test_about_a_third_of_contacts_have_an_outcome_and_twenty_activities_on_average():
    seed_demo(contacts=300, seed=42, now=NOW)
    with_outcome = Contact.objects.filter(outcomes__isnull=False).distinct().count()
    assert 0.25 <= with_outcome / 300 <= 0.42
    assert 16 <= Activity.objects.count() / 300 <= 24
    assert Outcome.objects.filter(company__isnull=False).exists()  # some account-level ones


def test_demo_users_exist_for_each_role_with_its_group():
    summary = seed_demo(contacts=300, seed=42, now=NOW)
    users = {user.username: user for user in get_user_model().objects.all()}
    for demo in DEMO_USERS:
        user = users[demo.username]
        assert list(user.groups.values_list("name", flat=True)) == [demo.role.value]
        assert user.check_password(demo.password)
    assert {demo.role for demo in DEMO_USERS} == set(Role)
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert not users["rep1"].is_staff
    assert [login.password for login in summary.users] == [d.password for d in DEMO_USERS]
    owners = set(
        Company.objects.filter(account_owner__isnull=False).values_list(
            "account_owner__username", flat=True
        )
    )
    assert owners and owners <= {"rep1", "rep2", "rep3"}


def test_emails_are_unique_whatever_their_case_and_some_are_free_mail_or_competitors():
    seed_demo(contacts=600, seed=42, now=NOW)
    emails = list(Contact.objects.values_list("email", flat=True))
    assert len({email.lower() for email in emails}) == len(emails) == 600
    domains = [email.rsplit("@", 1)[1].lower() for email in emails]
    assert 0.10 <= sum(d in FREE_MAIL_DOMAINS for d in domains) / 600 <= 0.22
    assert 0.005 <= sum(d in COMPETITOR_DOMAINS for d in domains) / 600 <= 0.05
    assert set(COMPETITOR_DOMAINS) <= set(Company.objects.values_list("domain", flat=True))
    assert not Company.objects.exclude(domain=Lower("domain")).exists()


def test_activities_fall_in_the_last_year_and_outcomes_follow_most_of_them(small_world):
    for contact in small_world.contacts:
        for activity in contact.activities:
            assert NOW - dt.timedelta(days=HISTORY_DAYS) <= activity.occurred_at <= NOW
        if contact.outcome:
            assert contact.outcome.decided_at <= NOW
    # "Most" on average: with a handful of activities a contact can fall short.
    decided = [c for c in small_world.contacts if c.outcome and len(c.activities) >= 5]
    shares = [
        sum(a.occurred_at <= c.outcome.decided_at for a in c.activities) / len(c.activities)
        for c in decided
    ]
    assert statistics.mean(shares) > 0.75


def test_stage_dates_are_in_funnel_order_and_won_contacts_are_customers(small_world):
    funnel = ["subscriber_at", "lead_at", "mql_at", "sal_at", "sql_at", "opportunity_at"]
    for contact in small_world.contacts:
        dates = contact.stage_dates
        assert STAGE_DATE_FIELDS[contact.lifecycle_stage] in dates
        reached = [dates[name] for name in funnel if name in dates]
        assert reached == sorted(reached)
        if contact.outcome and contact.outcome.result == OutcomeResult.WON:
            assert contact.lifecycle_stage == LifecycleStage.CUSTOMER
            assert dates["customer_at"] == contact.outcome.decided_at >= reached[-1]
    stages = [contact.lifecycle_stage for contact in small_world.contacts]
    early = stages.count(LifecycleStage.LEAD) + stages.count(LifecycleStage.SUBSCRIBER)
    assert early > len(stages) / 3
    assert any(stage in stages for stage in ("mql", "sal", "sql", "opportunity"))


def test_high_propensity_contacts_are_more_active_and_show_more_buying_signals(small_world):
    ranked = sorted(small_world.contacts, key=lambda c: c.propensity)
    third = len(ranked) // 3
    bottom, top = ranked[:third], ranked[-third:]
    high_intent = {"pricing_page_view", "demo_request", "free_trial_signup", "meeting_booked"}

    def per_contact(contacts, kinds=None):
        return sum(
            1 for c in contacts for a in c.activities if kinds is None or a.kind in kinds
        ) / len(contacts)

    assert per_contact(top) > 2 * per_contact(bottom)
    assert per_contact(top, high_intent) > 4 * per_contact(bottom, high_intent)
    urls = [a.properties.get("url", "") for c in bottom for a in c.activities]
    assert any(url.startswith("/careers") for url in urls)  # low-propensity people job-hunt too


def test_propensity_is_a_pure_function_of_the_generated_contact(small_world):
    for contact in small_world.contacts[:50]:
        assert contact_propensity(contact) == contact.propensity
    competitors = [c for c in small_world.contacts if c.email_kind == "competitor"]
    assert all(c.outcome is None for c in competitors)


def test_the_command_prints_counts_and_demo_logins():
    out = io.StringIO()
    call_command("seed_demo", "--contacts", "30", "--seed", "5", stdout=out)
    text = out.getvalue()
    assert Contact.objects.count() == 30
    assert "contacts:   30" in text
    for demo in DEMO_USERS:
        assert demo.username in text and demo.password in text


def test_if_empty_leaves_an_existing_database_untouched():
    existing = ContactFactory()
    out = io.StringIO()
    call_command("seed_demo", "--contacts", "30", "--if-empty", stdout=out)
    assert list(Contact.objects.all()) == [existing]
    assert not Activity.objects.exists()
    assert "nothing seeded" in out.getvalue()


def test_seeding_a_database_with_contacts_needs_reset():
    existing = ContactFactory()
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_demo", "--contacts", "30", stdout=io.StringIO())
    assert list(Contact.objects.all()) == [existing]

    call_command("seed_demo", "--contacts", "30", "--reset", stdout=io.StringIO())
    assert Contact.objects.count() == 30
    assert not Contact.objects.filter(pk=existing.pk).exists()
