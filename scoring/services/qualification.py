"""
Qualifying leads: opening a qualification when a lead crosses the MQL rule (once), releasing it
to routing, closing it. A release writes an outbox message in the same transaction; routing
receives it from the outbox (scoring.services.outbox), never only from a broker call.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import Contact, LifecycleStage
from contacts.services import contact_set_stage
from scoring import engine
from scoring.models import OutboxTopic, Qualification, QualificationStatus, ScoringModel
from scoring.services.outbox import outbox_publish

# Stages from which a lead can (re)qualify. Leads already with sales, customers and
# disqualified contacts are scored but never re-announced.
QUALIFIABLE_STAGES = {LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD, LifecycleStage.RECYCLED}


def _announce(qualification: Qualification) -> None:
    """Route the lead: a durable message, delivered once this commits (or by the re-drive)."""
    outbox_publish(
        topic=OutboxTopic.LEAD_QUALIFIED,
        payload={"qualification_id": qualification.pk, "contact_id": qualification.contact_id},
    )


def _release(qualification: Qualification, *, by: AbstractBaseUser | None, now: datetime) -> None:
    qualification.status = QualificationStatus.RELEASED
    qualification.released_at = now
    qualification.released_by = by
    qualification.save(update_fields=["status", "released_at", "released_by"])
    contact = qualification.contact
    if contact.lifecycle_stage in QUALIFIABLE_STAGES:
        contact_set_stage(contact=contact, stage=LifecycleStage.MQL, at=now)
    _announce(qualification)


def _reason(score: engine.Score, model: ScoringModel) -> str:
    if score.hand_raise_rule:
        return f"Hand-raise: {score.hand_raise_rule}"
    if model.mql_mode == "combined":
        return f"Fit + interest {score.combined:.0f} reached {model.mql_combined_threshold:g}"
    return (
        f"Fit {score.fit:.0f} >= {model.mql_fit_threshold:g} and "
        f"interest {score.interest:.0f} >= {model.mql_interest_threshold:g}"
    )


def _follow_open(
    qualification: Qualification, score: engine.Score, now: datetime
) -> tuple[bool, bool]:
    """
    An MQL already: record a fall below the rule (the lead stays with sales), and release a
    lead waiting for marketing as soon as it raises its hand: a demo request is never held.
    """
    if not score.qualifies and qualification.fell_below_at is None:
        qualification.fell_below_at = now
        qualification.save(update_fields=["fell_below_at"])
    elif score.qualifies and qualification.fell_below_at is not None:
        qualification.fell_below_at = None
        qualification.save(update_fields=["fell_below_at"])
    if score.hand_raise_rule and qualification.status == QualificationStatus.PENDING_RELEASE:
        qualification.hand_raise = True
        qualification.reason = f"Hand-raise: {score.hand_raise_rule}"[:255]
        qualification.save(update_fields=["hand_raise", "reason"])
        _release(qualification, by=None, now=now)
        return False, True
    return False, False


def _may_qualify(contact: Contact, *, line_id: int) -> bool:
    """
    A lead qualifies from a qualifiable stage, or, under a second model, while another model's
    lead is with sales (MQL or SAL): interest in another product line is a lead of its own.
    Opportunities, customers and disqualified contacts are scored, never re-announced.
    """
    if contact.lifecycle_stage in QUALIFIABLE_STAGES:
        return True
    return (
        contact.lifecycle_stage in (LifecycleStage.MQL, LifecycleStage.SAL)
        and Qualification.objects.filter(contact=contact, closed_at__isnull=True)
        .exclude(line_id=line_id)
        .exists()
    )


def qualification_update(
    *,
    contact: Contact,
    score: engine.Score,
    model: ScoringModel,
    now: datetime,
    release: bool,
    open_qualification: Qualification | None,
) -> tuple[bool, bool]:
    """
    Open a qualification under the model's line when its MQL rule is crossed, once. `release`
    says whether a lead that qualifies on score goes to routing at once or waits for marketing
    (after a rule change); a hand-raise always goes at once. Returns (newly qualified,
    released).
    """
    if open_qualification is not None:
        return _follow_open(open_qualification, score, now)
    if not score.qualifies or contact.do_not_contact:
        return False, False
    if not _may_qualify(contact, line_id=model.line_id):
        return False, False
    release = release or bool(score.hand_raise_rule)
    try:
        with transaction.atomic():
            qualification = Qualification.objects.create(
                contact=contact,
                line_id=model.line_id,
                scoring_model=model,
                status=QualificationStatus.PENDING_RELEASE,
                qualified_at=now,
                reason=_reason(score, model)[:255],
                hand_raise=bool(score.hand_raise_rule),
                fit=score.fit,
                interest=score.interest,
            )
    except IntegrityError:
        # Another writer opened this contact's qualification first; it announces it.
        return False, False
    if release:
        _release(qualification, by=None, now=now)
    return True, release


@transaction.atomic
def qualification_release(
    *,
    qualification: Qualification,
    released_by: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> Qualification:
    """Marketing releases a lead that qualified after a rule change to routing."""
    qualification = (
        Qualification.objects.select_for_update().select_related("contact").get(pk=qualification.pk)
    )
    if qualification.status == QualificationStatus.RELEASED or qualification.closed_at:
        return qualification
    _release(qualification, by=released_by, now=now or timezone.now())
    return qualification


@transaction.atomic
def qualification_close(
    *,
    contact: Contact,
    reason: str,
    now: datetime | None = None,
    qualification_id: int | None = None,
) -> Qualification | None:
    """
    End an open qualification of the contact (rejected, recycled, disqualified, won...): the
    one given, or every open one (under each live model) when none is. Returns one of them.
    """
    open_ones = list(
        Qualification.objects.select_for_update()
        .filter(contact=contact, closed_at__isnull=True)
        .filter(**({"pk": qualification_id} if qualification_id else {}))
        .order_by("pk")
    )
    for qualification in open_ones:
        qualification.closed_at = now or timezone.now()
        qualification.closed_reason = reason[:255]
        qualification.save(update_fields=["closed_at", "closed_reason"])
    return open_ones[0] if open_ones else None
