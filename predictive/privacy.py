"""What the predictive score holds on one contact, for contacts.privacy (export)."""

from __future__ import annotations

from typing import Any

from contacts.models import Contact
from contacts.privacy import PersonalDataHandler, personal_data_handler_register
from predictive.models import ContactPrediction


def _export(contact: Contact) -> dict[str, Any] | None:
    prediction = ContactPrediction.objects.filter(contact=contact).first()
    if prediction is None:
        return None
    return {
        "model_version": prediction.model_version,
        "probability": prediction.probability,
        "positive": prediction.positive,
        "negative": prediction.negative,
        "scored_at": prediction.scored_at,
    }


def register() -> None:
    # The prediction is deleted with the contact (a foreign key): nothing to erase by hand.
    personal_data_handler_register(PersonalDataHandler("predictive", export=_export))
