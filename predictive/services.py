"""
Writes of the predictive app: training a version, activating it, and scoring contacts.

The ORM adapters around the pure modules (predictive.features, training, suggestions).
"""

from __future__ import annotations

import io
import logging
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import joblib
import numpy as np
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contacts.models import Activity, Contact
from contacts.selectors import contacts_with_outcome
from leadscore.on_commit import BROKER_REFUSED, enqueue_safely
from predictive import features, suggestions, training
from predictive.models import ContactPrediction, ModelStatus, PredictiveModel
from scoring import engine
from scoring import selectors as scoring_selectors

logger = logging.getLogger(__name__)
CHUNK = 1000
TOP_FACTORS = 3


# ---- From the CRM to records ---------------------------------------------------------------


def record_of(contact: Contact, events: Sequence[features.Event]) -> features.LeadRecord:
    company = contact.company
    return features.LeadRecord(
        email=contact.email,
        job_title=contact.job_title,
        lead_source=contact.lead_source,
        created_at=contact.created_at,
        industry=company.industry if company else "",
        employee_count=company.employee_count if company else None,
        annual_revenue=float(company.annual_revenue)
        if company and company.annual_revenue is not None
        else None,
        country=contact.country or (company.country if company else ""),
        properties=contact.properties or {},
        events=events,
    )


def _events_by_contact(contact_ids: Iterable[int]) -> dict[int, list[features.Event]]:
    events: dict[int, list[features.Event]] = defaultdict(list)
    rows = Activity.objects.filter(contact_id__in=list(contact_ids)).values_list(
        "contact_id", "kind", "occurred_at", "properties", "custom_kind"
    )
    for contact_id, kind, at, props, custom in rows.iterator(chunk_size=5000):
        events[contact_id].append(features.Event(kind, at, props or {}, custom))
    return events


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def training_rows() -> list[training.Row]:
    """
    One row per contact with a won or lost outcome, its features as of the outcome date, keyed
    by contact id (the backtest's key), with the live rules' score as of the same moment.
    """
    contacts = list(contacts_with_outcome(level="either").order_by("pk"))
    live = scoring_selectors.live_model()
    spec = scoring_selectors.model_spec(live) if live is not None else None
    kinds = scoring_selectors.scored_kinds(spec) if spec is not None else set()
    rows = []
    for chunk in _chunks(contacts):
        events = _events_by_contact(c.pk for c in chunk)
        scored = scoring_selectors.events_by_contact([c.pk for c in chunk], kinds=kinds)
        for contact in chunk:
            cutoff = contact.outcome_at
            raw = features.extract(record_of(contact, events.get(contact.pk, ())), cutoff=cutoff)
            rule_score = None
            if spec is not None:
                profile = scoring_selectors.profile_of(contact)
                score = engine.evaluate(spec, profile, scored.get(contact.pk, ()), cutoff)
                rule_score = score.combined
            rows.append(
                training.Row(
                    features=raw,
                    won=contact.outcome_result == "won",
                    decided_at=cutoff,
                    was_mql=contact.mql_at is not None and contact.mql_at < cutoff,
                    rule_score=rule_score,
                    key=contact.pk,
                )
            )
    return rows


# ---- The fitted pipeline ------------------------------------------------------------------


def pipeline_dump(pipeline: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer, compress=3)
    return buffer.getvalue()


def pipeline_load(model: PredictiveModel) -> dict[str, Any]:
    # Our own pickle, written by pipeline_dump from a model we trained; never an upload.
    return joblib.load(io.BytesIO(bytes(model.pipeline)))


def predict(
    pipeline: dict[str, Any], raws: Sequence[dict[str, Any]]
) -> list[tuple[float, list[features.Factor], list[features.Factor]]]:
    """Probability, top positive and top negative factors for each lead's raw features."""
    model, explainer = pipeline["model"], pipeline["explainer"]
    # Within the honest bounds measured on the test set (no "100 %" on an undecided lead).
    probabilities = training.bounded(model.predict_proba(raws)[:, 1], pipeline.get("bounds", {}))
    encoder = explainer.named_steps["encode"]
    coefs = explainer.named_steps["model"].coef_[0]
    matrix = encoder.transform(raws)
    out = []
    for raw, x, p in zip(raws, matrix, probabilities, strict=True):
        factors = features.contributions(encoder, coefs, raw, x)
        positive, negative = features.top_factors(factors, TOP_FACTORS)
        out.append((float(p), positive, negative))
    return out


# ---- Training -----------------------------------------------------------------------------


# A version queued or training for longer than this was interrupted (a worker killed mid-fit,
# a command stopped): it no longer holds back a new run. Training takes minutes, not hours.
INTERRUPTED_AFTER = timedelta(hours=6)
INTERRUPTED = (
    "The training was interrupted (no result after {hours} hours: a stopped worker or "
    "command). Retrain to try again."
)


def predictive_model_request(*, requested_by: AbstractBaseUser | None = None) -> PredictiveModel:
    """
    Queue a training run (a Celery task sent on commit); a run already going is returned, one
    interrupted long ago is marked failed and a new run queued.
    """
    with transaction.atomic():
        since = timezone.now() - INTERRUPTED_AFTER
        PredictiveModel.objects.filter(
            Q(status=ModelStatus.TRAINING, started_at__lt=since)
            | Q(status=ModelStatus.QUEUED, created_at__lt=since)
        ).update(
            status=ModelStatus.FAILED,
            error=INTERRUPTED.format(hours=round(INTERRUPTED_AFTER.total_seconds() / 3600)),
            progress_note="",
        )
        running = PredictiveModel.objects.filter(
            status__in=[ModelStatus.QUEUED, ModelStatus.TRAINING]
        ).first()
        if running is not None:
            return running
        model = PredictiveModel.objects.create(
            requested_by=requested_by, progress_note="Waiting for a worker"
        )
        model_id = model.pk
        transaction.on_commit(lambda: _training_send(model_id))
    return model


def _training_send(model_id: int) -> None:
    """Send the training task; if the broker refuses it, the version says so (not 'queued')."""
    from predictive import tasks

    if not enqueue_safely(tasks.train_model, model_id):
        PredictiveModel.objects.filter(pk=model_id, status=ModelStatus.QUEUED).update(
            status=ModelStatus.FAILED, error=BROKER_REFUSED, progress_note=""
        )


def _progress(model_id: int):
    def report(percent: int, note: str) -> None:
        PredictiveModel.objects.filter(pk=model_id).update(progress=percent, progress_note=note)

    return report


def _fail(model: PredictiveModel, message: str) -> PredictiveModel:
    model.status, model.error, model.progress_note = ModelStatus.FAILED, message, ""
    model.trained_at = None
    model.save(update_fields=["status", "error", "progress_note", "trained_at"])
    return model


def predictive_model_store(*, model: PredictiveModel, trained: training.Trained) -> None:
    """Write a training result onto its version (not activating it)."""
    explainer = trained.pipeline["explainer"]
    model.algorithm = trained.algorithm
    model.metrics = {
        **trained.metrics,
        "candidates": trained.candidates,
        "split": trained.split_info,
    }
    model.features = trained.features
    model.n_rows, model.n_train, model.n_test = trained.n_rows, trained.n_train, trained.n_test
    model.n_won, model.split, model.split_at = trained.n_won, trained.split, trained.split_at
    model.coefficients = training.coefficients(explainer)[:40]
    model.pipeline = pipeline_dump({**trained.pipeline, "bounds": trained.metrics["bounds"]})
    model.trained_at = timezone.now()


def predictive_model_train(
    *, model_id: int, progress: Callable[[int, str], None] | None = None
) -> PredictiveModel:
    """
    Train a queued version on the CRM's won and lost leads; on success it becomes the active
    version (the previous one is retired and kept) and every contact is scored with it.
    """
    model = PredictiveModel.objects.get(pk=model_id)
    stored = _progress(model_id)

    def report(percent: int, note: str) -> None:
        stored(percent, note)
        if progress:
            progress(percent, note)

    PredictiveModel.objects.filter(pk=model_id).update(
        status=ModelStatus.TRAINING, started_at=timezone.now(), error=""
    )
    report(5, "Reading won and lost leads")
    try:
        rows = training_rows()
        trained = training.train(rows, progress=report)
    except training.NotEnoughData as exc:
        model.refresh_from_db()
        return _fail(model, str(exc))
    except Exception as exc:
        logger.exception("Training predictive model %s failed", model_id)
        model.refresh_from_db()
        _fail(model, f"{exc.__class__.__name__}: {exc}")
        raise
    model.refresh_from_db()
    predictive_model_store(model=model, trained=trained)
    report(85, "Suggesting a scoring model from the same outcomes")
    model.suggestions = {
        **rule_suggestions(pipeline=trained.pipeline),
        **suggested_model_of_outcomes(report),
    }
    with transaction.atomic():
        PredictiveModel.objects.filter(is_active=True).update(
            is_active=False, status=ModelStatus.RETIRED
        )
        model.status, model.is_active = ModelStatus.ACTIVE, True
        model.progress, model.progress_note = 95, "Scoring contacts"
        model.save()
    contacts_predict(model=model)
    report(100, "Done")
    PredictiveModel.objects.filter(pk=model_id).update(progress=100, progress_note="")
    model.refresh_from_db()
    return model


def suggested_model_of_outcomes(report: Callable[[int, str], None]) -> dict[str, Any]:
    """The suggested scoring model, learnt on the same train leads (stored on the version)."""
    from predictive import suggested_draft

    def scaled(percent: int, note: str) -> None:
        report(85 + percent // 10, f"Suggesting a scoring model: {note.lower()}")

    try:
        return {"model": suggested_draft.suggestion_compute(progress=scaled)}
    except ValueError as exc:
        return {"model_error": str(exc)}


def rule_suggestions(*, pipeline: dict[str, Any]) -> dict[str, Any]:
    """Suggested points for the live scoring model's rules (and the newest draft's)."""
    explainer = pipeline["explainer"]
    encoder, coefs = explainer.named_steps["encode"], explainer.named_steps["model"].coef_[0]
    out: dict[str, Any] = {"points_per_doubling": suggestions.POINTS_PER_DOUBLING}
    for key, scoring_model in (
        ("live", scoring_selectors.live_model()),
        ("draft", scoring_selectors.latest_draft()),
    ):
        if scoring_model is None:
            continue
        spec = scoring_selectors.model_spec(scoring_model)
        result = suggestions.suggest(encoder, coefs, spec.rules)
        out[key] = {
            "scoring_model_id": scoring_model.pk,
            "version": scoring_model.version,
            "rules": [s.to_json() for s in result["rules"]],
            "candidates": [s.to_json() for s in result["candidates"]],
        }
    return out


# ---- Scoring contacts ---------------------------------------------------------------------


def _save_predictions(
    model: PredictiveModel, pipeline: dict, contacts: list[Contact], now: datetime
) -> int:
    events = _events_by_contact(c.pk for c in contacts)
    raws = [features.extract(record_of(c, events.get(c.pk, ())), cutoff=now) for c in contacts]
    results = predict(pipeline, raws)
    rows = [
        ContactPrediction(
            contact_id=contact.pk,
            model=model,
            model_version=model.version,
            probability=p if math.isfinite(p) else 0.0,
            positive=[f.to_json() for f in positive],
            negative=[f.to_json() for f in negative],
            scored_at=now,
        )
        for contact, (p, positive, negative) in zip(contacts, results, strict=True)
    ]
    ContactPrediction.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["contact"],
        update_fields=[
            "model",
            "model_version",
            "probability",
            "positive",
            "negative",
            "scored_at",
        ],
    )
    return len(rows)


def contacts_predict(
    *,
    contact_ids: Sequence[int] | None = None,
    model: PredictiveModel | None = None,
    now: datetime | None = None,
) -> int:
    """Score contacts (all of them by default) with the active model, as of now."""
    model = model or PredictiveModel.objects.filter(is_active=True).first()
    if model is None or not model.pipeline:
        return 0
    now = now or timezone.now()
    pipeline = pipeline_load(model)
    queryset = Contact.objects.select_related("company").order_by("pk")
    if contact_ids is not None:
        queryset = queryset.filter(pk__in=list(contact_ids))
    ids = list(queryset.values_list("pk", flat=True))
    done = 0
    for chunk in _chunks(ids):
        contacts = list(queryset.filter(pk__in=chunk))
        with transaction.atomic():
            done += _save_predictions(model, pipeline, contacts, now)
    return done


def predictions_refresh(*, contact_ids: Sequence[int]) -> int:
    """The outbox's predictions_refresh message: these contacts changed (predictive.signals)."""
    return contacts_predict(contact_ids=contact_ids)


def contact_predict(*, contact_id: int, now: datetime | None = None) -> int:
    return contacts_predict(contact_ids=[contact_id], now=now)


def probability_logit(probability: float) -> float:
    p = min(max(probability, 1e-12), 1 - 1e-12)
    return float(np.log(p / (1 - p)))
