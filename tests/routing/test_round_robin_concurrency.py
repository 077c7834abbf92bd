"""
Two leads qualifying at the same moment take successive round-robin slots: the cursor is read and
advanced under a row lock. Needs PostgreSQL (SQLite serialises whole transactions anyway); it
runs in CI's PostgreSQL pass.
"""

import threading
import time

import pytest
from django.db import connection, connections

from routing import services
from routing.models import Assignment, RoutingRule, Strategy
from routing.services import deciding
from tests.routing.conftest import RoutingRuleFactory, make_rep, qualify

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (SELECT ... FOR UPDATE) need PostgreSQL; runs in CI's PostgreSQL pass",
    ),
    # serialized_rollback puts back the role groups (a data migration) the flush removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_leads_routed_at_the_same_moment_never_take_the_same_slot(team, monkeypatch):
    ana = make_rep(team, "Ana")
    ben = make_rep(team, "Ben")
    rule = RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    first, second = qualify(), qualify()

    # Widen the race: each routing holds its locks a moment after reading the cursor, so without
    # the row lock both threads would read position 0 and both pick Ana.
    real_decide = deciding.engine.decide

    def slow_decide(**kwargs):
        decision = real_decide(**kwargs)
        time.sleep(0.3)
        return decision

    monkeypatch.setattr(deciding.engine, "decide", slow_decide)
    barrier = threading.Barrier(2)
    errors = []

    def work(qualification_id):
        try:
            barrier.wait()
            services.lead_route(qualification_id=qualification_id)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(q.pk,)) for q in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    reps = sorted(Assignment.objects.values_list("rep__first_name", flat=True))
    assert reps == ["Ana", "Ben"]
    assert {ana.pk, ben.pk} == set(Assignment.objects.values_list("rep_id", flat=True))
    assert RoutingRule.objects.get(pk=rule.pk).rotation_position == 2
