"""
Writes for scoring, by concern:

- rescoring: folding activities into rule states and scoring contacts in the write
  transaction; score_rows: the rows, timeline entries and upserts it writes;
- rescore_runs: full rescores after a rule change (coalesced runs, chunks under row locks);
- time_refresh: the beat task that follows decay, windows and future activities;
- accounts: account scores, written after their contacts', and their own time refresh;
- qualification: opening, releasing and closing qualifications;
- outbox: side effects that must not be lost (routing a qualified lead, refreshing
  predictions), delivered by Celery;
- versions: drafts, publishing, rollback; audit: the audit trail;
- whatif_runs: what-if and backtest runs of a draft.

Callers import from scoring.services; the names below are its public interface.
"""

from scoring.services.accounts import accounts_refresh_time
from scoring.services.audit import audit_form_changes, audit_record, audit_value
from scoring.services.batch_outcomes import BatchResult
from scoring.services.outbox import (
    outbox_handler_register,
    outbox_message_deliver,
    outbox_publish,
    outbox_publish_ids,
    outbox_redrive,
)
from scoring.services.qualification import (
    QUALIFIABLE_STAGES,
    qualification_close,
    qualification_release,
    qualification_update,
)
from scoring.services.rescore_runs import (
    RescoreBusy,
    rescore_run_create,
    rescore_run_execute,
    rescore_runs_redrive,
    scoring_model_changed,
    scoring_model_rescore,
)
from scoring.services.rescoring import (
    CHUNK,
    company_contacts_rescore,
    contact_rescore,
    contacts_score,
)
from scoring.services.score_rows import MIN_VISIBLE_CHANGE
from scoring.services.time_refresh import scores_refresh_time
from scoring.services.versions import (
    VersionError,
    scoring_line_create,
    scoring_model_draft_create,
    scoring_model_publish,
    scoring_model_rollback,
    scoring_rule_set_points,
)
from scoring.services.whatif_runs import WHATIF_CHUNK, whatif_run_create, whatif_run_execute

__all__ = [
    "CHUNK",
    "MIN_VISIBLE_CHANGE",
    "QUALIFIABLE_STAGES",
    "WHATIF_CHUNK",
    "BatchResult",
    "RescoreBusy",
    "VersionError",
    "accounts_refresh_time",
    "audit_form_changes",
    "audit_record",
    "audit_value",
    "company_contacts_rescore",
    "contact_rescore",
    "contacts_score",
    "outbox_handler_register",
    "outbox_message_deliver",
    "outbox_publish",
    "outbox_publish_ids",
    "outbox_redrive",
    "qualification_close",
    "qualification_release",
    "qualification_update",
    "rescore_run_create",
    "rescore_run_execute",
    "rescore_runs_redrive",
    "scores_refresh_time",
    "scoring_line_create",
    "scoring_model_changed",
    "scoring_model_draft_create",
    "scoring_model_publish",
    "scoring_model_rescore",
    "scoring_model_rollback",
    "scoring_rule_set_points",
    "whatif_run_create",
    "whatif_run_execute",
]
