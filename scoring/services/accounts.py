"""
Account scores: written in the transaction that rescored the contacts feeding them (one call
from the contact rescoring path), refreshed through time by the beat, and the MQA rule that
qualifies an account once and routes it once through the outbox.

Locks: a writer holds its contacts' row locks first (scoring.services.rescoring), then the
companies' AccountScore rows in company id order. Placeholder rows are inserted first so there
is always a row to lock; nobody locks account rows before contact rows, so writers never
deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from contacts.models import Company
from leadscore.batch_gc import fewer_collections
from scoring import account_engine, account_selectors, selectors
from scoring.models import (
    AccountQualification,
    AccountScore,
    AccountScoreChange,
    ChangeReason,
    OutboxTopic,
    QualificationStatus,
    ScoringModel,
)
from scoring.services.outbox import outbox_publish

# Smaller moves (decay drift) are not worth a timeline entry nor, in the refresh, a write.
MIN_VISIBLE_CHANGE = 0.5
REFRESH_CHUNK = 500

_FIELDS = [
    "scoring_model",
    "fit",
    "engagement",
    "grade",
    "band",
    "people_engaged",
    "roles_engaged",
    "meets_threshold",
    "explanation",
    "breakdown",
    "version",
    "scored_at",
]


@dataclass
class AccountsResult:
    scored: int = 0
    changed: int = 0
    newly_qualified: int = 0


def _moved(stored: AccountScore, score: account_engine.AccountScore) -> bool:
    return (
        abs(stored.fit - score.fit) >= MIN_VISIBLE_CHANGE
        or abs(stored.engagement - score.engagement) >= MIN_VISIBLE_CHANGE
        or stored.cell != score.cell
        or stored.meets_threshold != score.meets_threshold
        or stored.people_engaged != score.people_engaged
    )


def _change(
    stored: AccountScore, score: account_engine.AccountScore, *, reason: str, now: datetime
) -> AccountScoreChange:
    first = stored.version == 0
    if first:
        detail = score.explanation
    elif reason == ChangeReason.DECAY:
        verb = "decayed" if score.engagement < stored.engagement else "rose"
        detail = f"Engagement {verb} from {stored.engagement:.0f} to {score.engagement:.0f}"
    else:
        detail = score.explanation
    return AccountScoreChange(
        company_id=stored.company_id,
        occurred_at=now,
        reason=ChangeReason.FIRST_SCORE if first else reason,
        detail=detail[:500],
        fit_before=0 if first else stored.fit,
        fit_after=score.fit,
        engagement_before=0 if first else stored.engagement,
        engagement_after=score.engagement,
        cell_before="" if first else stored.cell,
        cell_after=score.cell,
    )


def _qualify(
    *,
    company_id: int,
    score: account_engine.AccountScore,
    spec: account_engine.AccountSpec,
    model: ScoringModel,
    open_qualification: AccountQualification | None,
    release: bool,
    now: datetime,
) -> bool:
    """
    Open the company's MQA when the rule is met, once; released ones go to routing through the
    outbox in this transaction. An open MQA only records a fall below the rule (the account
    stays with sales). Returns whether the account newly qualified.
    """
    if open_qualification is not None:
        below = not score.meets_threshold
        if below != (open_qualification.fell_below_at is not None):
            open_qualification.fell_below_at = now if below else None
            open_qualification.save(update_fields=["fell_below_at"])
        return False
    if not score.meets_threshold:
        return False
    try:
        with transaction.atomic():
            qualification = AccountQualification.objects.create(
                company_id=company_id,
                scoring_model=model,
                status=QualificationStatus.PENDING_RELEASE,
                qualified_at=now,
                reason=account_engine.mqa_reason(score, spec)[:500],
                fit=score.fit,
                engagement=score.engagement,
                people_engaged=score.people_engaged,
            )
    except IntegrityError:
        return False  # another writer opened it first; it announces it
    if release:
        account_qualification_release_locked(qualification, now=now)
    return True


def account_qualification_release_locked(
    qualification: AccountQualification, *, now: datetime
) -> None:
    """Release an MQA to routing: a durable outbox message in the caller's transaction."""
    qualification.status = QualificationStatus.RELEASED
    qualification.released_at = now
    qualification.save(update_fields=["status", "released_at"])
    outbox_publish(
        topic=OutboxTopic.ACCOUNT_QUALIFIED,
        payload={
            "account_qualification_id": qualification.pk,
            "company_id": qualification.company_id,
        },
    )


@transaction.atomic
def account_qualification_release(
    *, qualification_id: int, now: datetime | None = None
) -> AccountQualification:
    """Marketing releases an MQA that qualified after a rule change (held back) to routing."""
    qualification = AccountQualification.objects.select_for_update().get(pk=qualification_id)
    if qualification.status == QualificationStatus.PENDING_RELEASE and not qualification.closed_at:
        account_qualification_release_locked(qualification, now=now or timezone.now())
    return qualification


def _lock_rows(
    ids: list[int], *, model: ScoringModel, now: datetime, skip_locked: bool
) -> dict[int, AccountScore]:
    """The account rows of these companies, created if missing, locked in company id order."""

    def locked() -> dict[int, AccountScore]:
        rows = (
            AccountScore.objects.select_for_update(skip_locked=skip_locked, of=("self",))
            .select_related("company")
            .filter(company_id__in=ids)
            .order_by("company_id")
        )
        return {row.company_id: row for row in rows}

    rows = locked()
    missing = [i for i in ids if i not in rows]
    if missing:
        AccountScore.objects.bulk_create(
            [AccountScore(company_id=i, scoring_model=model, scored_at=now) for i in missing],
            ignore_conflicts=True,
        )
        rows.update(locked())
    return rows


def _score_locked(
    *,
    ids: list[int],
    model: ScoringModel,
    reason: str,
    release: bool,
    now: datetime,
    skip_locked: bool = False,
    only_moved: bool = False,
) -> AccountsResult:
    result = AccountsResult()
    spec = selectors.cached_model_spec(model)
    aspec = account_selectors.cached_account_spec(model)
    stored = _lock_rows(ids, model=model, now=now, skip_locked=skip_locked)
    members = account_selectors.members_at(list(stored), model=model, spec=spec, now=now)
    scores = {
        company_id: account_engine.score_account(
            aspec, account_selectors.company_profile(row.company), members.get(company_id, ()), now
        )
        for company_id, row in stored.items()
    }
    # Only accounts that meet the MQA rule, or met it, can open or follow an MQA.
    concerned = [i for i, row in stored.items() if row.meets_threshold or scores[i].meets_threshold]
    open_qualifications = (
        {
            q.company_id: q
            for q in AccountQualification.objects.filter(
                company_id__in=concerned, closed_at__isnull=True
            )
        }
        if concerned
        else {}
    )
    rows, changes = [], []
    for company_id, row in stored.items():
        score = scores[company_id]
        stale = row.version == 0 or row.scoring_model_id != model.pk
        if stale or _moved(row, score):
            changes.append(_change(row, score, reason=reason, now=now))
        elif only_moved:
            continue
        result.newly_qualified += _qualify(
            company_id=company_id,
            score=score,
            spec=aspec,
            model=model,
            open_qualification=open_qualifications.get(company_id),
            release=release,
            now=now,
        )
        row.scoring_model = model
        row.fit, row.engagement = score.fit, score.engagement
        row.grade, row.band = score.grade, score.band
        row.people_engaged, row.roles_engaged = score.people_engaged, len(score.roles)
        row.meets_threshold = score.meets_threshold
        row.explanation = score.explanation[:500]
        row.breakdown = score.breakdown_json()
        row.version += 1
        row.scored_at = now
        rows.append(row)
    # One INSERT ... ON CONFLICT DO UPDATE (bulk_update's CASE per field and row is slow).
    AccountScore.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["company"], update_fields=_FIELDS
    )
    AccountScoreChange.objects.bulk_create(changes)
    result.scored, result.changed = len(rows), len(changes)
    return result


@transaction.atomic(savepoint=False)  # no savepoint round trips inside the caller's
def accounts_score(
    *,
    company_ids: Iterable[int | None],
    now: datetime,
    reason: str = ChangeReason.NEW_ACTIVITY,
    release: bool = True,
    model: ScoringModel | None = None,
) -> AccountsResult:
    """
    Score these companies' accounts in the caller's transaction, from their contacts' stored
    scores at `now`: called by the contact rescoring path, after it wrote the contact scores,
    for the companies of the contacts it scored. An account crossing the MQA rule is qualified
    once, and routed at once unless `release` is off (a rule change: it waits for marketing).
    """
    ids = sorted({i for i in company_ids if i is not None})
    model = model or selectors.live_model()
    if not ids or model is None:
        return AccountsResult()
    return _score_locked(ids=ids, model=model, reason=reason, release=release, now=now)


def _in_chunks(
    ids: list[int],
    *,
    model: ScoringModel,
    reason: str,
    release: bool,
    now: datetime,
    skip_locked: bool,
    only_moved: bool,
) -> int:
    scored = 0
    for start in range(0, len(ids), REFRESH_CHUNK):
        with transaction.atomic():
            result = _score_locked(
                ids=ids[start : start + REFRESH_CHUNK],
                model=model,
                reason=reason,
                release=release,
                now=now,
                skip_locked=skip_locked,
                only_moved=only_moved,
            )
        scored += result.scored
    return scored


def accounts_rescore_all_publish(*, release: bool) -> int:
    """
    Every account's rescore after a full contact rescore (a rule change), in the caller's
    transaction: one accounts message per REFRESH_CHUNK companies. Each is delivered in its own
    transaction by whichever worker takes it, so the pass spreads over the workers and a
    chunk holds its companies' locks only while it is scored (the pass used to hold them all
    for its whole length, in one delivery). MQAs it finds wait for marketing unless `release`
    (like the contacts' run). Returns how many messages it wrote.
    """
    ids = list(Company.objects.order_by("pk").values_list("pk", flat=True))
    starts = range(0, len(ids), REFRESH_CHUNK)
    for start in starts:
        outbox_publish(
            topic=OutboxTopic.ACCOUNTS_SCORE,
            payload={
                "company_ids": ids[start : start + REFRESH_CHUNK],
                "reason": ChangeReason.RULE_CHANGE,
                "release": release,
            },
        )
    return len(starts)


@fewer_collections()
def accounts_refresh_time(*, now: datetime | None = None) -> int:
    """
    The beat's account pass (after the contacts' time refresh): rewrite the accounts whose
    score time moved (decay, a contact leaving the buying-group window) or that are unscored or
    scored by an older model, and qualify those that now meet the MQA rule. Accounts another
    writer holds are skipped: it scores them itself. Returns how many accounts it rewrote.
    """
    model = selectors.live_model()
    if model is None:
        return 0
    engaged = AccountScore.objects.filter(
        ~Q(engagement=0) | ~Q(people_engaged=0) | ~Q(scoring_model=model) | Q(version=0)
    ).values_list("pk", flat=True)
    unscored = Company.objects.filter(account_score__isnull=True).values_list("pk", flat=True)
    return _in_chunks(
        sorted(set(engaged) | set(unscored)),
        model=model,
        reason=ChangeReason.DECAY,
        release=True,
        now=now or timezone.now(),
        skip_locked=True,
        only_moved=True,
    )
