"""
Routing fixtures: a team managed by the `manager` persona, reps, rules, and qualified leads with
stored scores (so the queue has grades, bands and reasons to show).
"""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import factory
import pytest
from django.utils import timezone

from leadscore.roles import Role, user_set_role
from routing import services
from routing.models import RepProfile, RoutingRule, SlaClock, Strategy, Team
from scoring.models import ContactScore, Qualification, QualificationStatus, ScoringModel
from tests.factories import ContactFactory, ScoringModelFactory, UserFactory


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Team {n}")
    escalate_after_reroutes = 2
    # Wall-clock SLAs keep tests that route "now" independent of the weekday they run on;
    # tests/routing/test_sla_business_hours.py covers the business-hours clock.
    sla_clock = SlaClock.ALWAYS


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    name = factory.Sequence(lambda n: f"Rule {n}")
    position = factory.Sequence(lambda n: n * 10)
    team = factory.SubFactory(TeamFactory)
    strategy = Strategy.ROUND_ROBIN
    account_match = True
    sla_minutes = 240
    hand_raise_sla_minutes = 30


def make_rep(team: Team, first_name: str, *, username: str | None = None, **profile):
    """A user with the Sales rep role and a rep profile in `team`."""
    username = username or first_name.lower()
    user = UserFactory(
        username=username, first_name=first_name, last_name="Rep", email=f"{username}@example.com"
    )
    user_set_role(user=user, role=Role.SALES_REP)
    RepProfile.objects.create(user=user, team=team, **profile)
    return user


def _grade(fit: float) -> str:
    return "A" if fit >= 60 else "B" if fit >= 40 else "C" if fit >= 20 else "D"


def _band(interest: float) -> int:
    return 1 if interest >= 50 else 2 if interest >= 20 else 3


def live_model() -> ScoringModel:
    return ScoringModel.objects.filter(is_live=True).first() or ScoringModelFactory()


def score(
    contact,
    *,
    fit: float = 45,
    interest: float = 30,
    fit_reason: str = "VP title",
    interest_reason: str = "Pricing page",
    times: int = 3,
    now: dt.datetime | None = None,
) -> ContactScore:
    """Store a score whose breakdown gives exactly `fit` and `interest` (the factory model has
    no decay), with one fit and one interest reason."""
    now = now or timezone.now()
    when = (now - dt.timedelta(hours=2)).isoformat()
    breakdown = {
        "fit": [
            {
                "rule_id": 1,
                "name": fit_reason,
                "description": "",
                "dimension": "fit",
                "points": fit,
                "raw_points": fit,
                "matched": "",
            }
        ],
        "interest": [
            {
                "rule_id": 2,
                "name": interest_reason,
                "description": "",
                "dimension": "interest",
                "points": interest,
                "raw_points": interest,
                "per_occurrence": interest / times,
                "count": times,
                "first_at": when,
                "last_at": when,
            }
        ]
        if interest
        else [],
    }
    stored, _ = ContactScore.objects.update_or_create(
        contact=contact,
        defaults={
            "scoring_model": live_model(),
            "fit": fit,
            "interest": interest,
            "grade": _grade(fit),
            "band": _band(interest),
            "meets_threshold": True,
            "breakdown": breakdown,
            # No rule states: shown as stored (score_reads.score_now), like a score written
            # before rule states existed.
            "rule_states": {},
            "scored_at": now,
        },
    )
    return stored


def qualify(contact=None, *, hand_raise: bool = False, **score_kwargs) -> Qualification:
    """A contact with a stored score and an open qualification released to routing."""
    contact = contact or ContactFactory()
    stored = score(contact, **score_kwargs)
    now = timezone.now()
    return Qualification.objects.create(
        contact=contact,
        scoring_model=stored.scoring_model,
        status=QualificationStatus.RELEASED,
        qualified_at=now,
        released_at=now,
        reason="Hand-raise: Requested a demo" if hand_raise else "Fit and interest",
        hand_raise=hand_raise,
        fit=stored.fit,
        interest=stored.interest,
    )


def route(contact=None, *, now: dt.datetime | None = None, **kwargs):
    """Qualify a contact and route it, as the lead_qualified task does."""
    qualification = qualify(contact, **kwargs)
    return services.lead_route(qualification_id=qualification.pk, now=now)


@pytest.fixture
def team(manager) -> Team:
    return TeamFactory(name="EMEA", manager=manager)


@pytest.fixture
def rep_profile(rep, team) -> RepProfile:
    """The `rep` persona (Rita) as a rep of the team."""
    rep.first_name = "Rita"
    rep.save(update_fields=["first_name"])
    return RepProfile.objects.create(user=rep, team=team, capacity=25)


@pytest.fixture
def fallback(team) -> RoutingRule:
    return RoutingRuleFactory(name="Everyone", team=team, is_fallback=True)


@pytest.fixture
def receiver():
    """A local HTTP server that records requests and answers with the queued status codes."""
    received: list[dict] = []
    statuses: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"headers": dict(self.headers), "body": body})
            self.send_response(statuses.pop(0) if statuses else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.received, server.statuses = received, statuses
    server.url = f"http://127.0.0.1:{server.server_port}/hooks/leadscore"
    yield server
    server.shutdown()
    server.server_close()
