"""
What-if for accounts: the live version's and a draft's account scores side by side, built from
the contact scores the what-if replay computes anyway (scoring.services.whatif_runs). Pure, like
scoring.whatif: the caller feeds each contact's two scores; this module groups them by company
and scores each account with both versions' account settings and rules.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import datetime
from typing import Any

from scoring import account_engine, engine
from scoring.whatif import Priced

TOP = 20


class AccountWhatIf:
    """Collects contacts by company, then compares MQAs and bands under both versions."""

    def __init__(
        self,
        *,
        live: account_engine.AccountSpec,
        draft: account_engine.AccountSpec,
        now: datetime,
    ) -> None:
        self.live, self.draft, self.now = live, draft, now
        self.companies: dict[int, tuple[str, engine.Profile]] = {}
        self.members: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))

    def add(
        self,
        *,
        company_id: int,
        company_name: str,
        company: engine.Profile,
        contact_id: int,
        name: str,
        job_title: str,
        live: Priced,
        draft: Priced,
    ) -> None:
        self.companies.setdefault(company_id, (company_name, company))
        for members, score in zip(self.members[company_id], (live, draft), strict=True):
            members.append(
                account_engine.Member(
                    contact_id=contact_id,
                    name=name,
                    job_title=job_title,
                    interest=score.interest,
                    last_engaged_at=score.last_engaged_at,
                    signals=score.signals,
                )
            )

    def result(self) -> dict[str, Any]:
        mqa_live = mqa_draft = 0
        entering, leaving, moved = [], [], 0
        same_settings = _settings(self.live) == _settings(self.draft)
        for company_id, (name, profile) in self.companies.items():
            live_members, draft_members = self.members[company_id]
            live = account_engine.score_account(self.live, profile, live_members, self.now)
            # Most accounts have no member the draft moves: under the same settings their
            # draft score is the live one (scoring them twice was most of this comparison).
            if same_settings and live_members == draft_members:
                draft = live
            else:
                draft = account_engine.score_account(self.draft, profile, draft_members, self.now)
            mqa_live += live.meets_threshold
            mqa_draft += draft.meets_threshold
            moved += live.cell != draft.cell
            row = {
                "id": company_id,
                "name": name,
                "live": [live.cell, live.fit, live.engagement, live.people_engaged],
                "draft": [draft.cell, draft.fit, draft.engagement, draft.people_engaged],
                "why": draft.explanation,
            }
            if draft.meets_threshold and not live.meets_threshold:
                entering.append(row)
            elif live.meets_threshold and not draft.meets_threshold:
                leaving.append(row)

        def top(rows: list, index: int) -> list:
            return sorted(rows, key=lambda r: (-r[index][2], r["id"]))[:TOP]

        return {
            "accounts": len(self.companies),
            "mqa": {
                "live": mqa_live,
                "draft": mqa_draft,
                "entering": len(entering),
                "leaving": len(leaving),
            },
            "moved": moved,
            "entering": top(entering, "draft"),
            "leaving": top(leaving, "live"),
        }


def _settings(spec: account_engine.AccountSpec) -> account_engine.AccountSpec:
    """
    What of a version's account settings the comparison reads: all but its fit rules' ids and
    wording, which a draft copied from the live version renumbers (a rule's id and name only
    label its part of the fit breakdown, which the comparison does not show).
    """
    return dataclasses.replace(
        spec,
        fit_rules=tuple(
            dataclasses.replace(rule, id=0, name="", description="") for rule in spec.fit_rules
        ),
    )
