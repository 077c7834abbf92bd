"""
Routing decisions in pure Python: a lead, the rules and the reps in; a decision and the sentence
that explains it out.

No ORM and no clock (every function takes `today`), so live routing, the dry run, SLA re-routing
and the tests share one implementation. routing.services loads the inputs (under row locks when
it is going to write) and stores the result.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

STRATEGY_WORDS = {
    "round_robin": "round robin",
    "weighted_round_robin": "weighted round robin",
    "least_loaded": "least loaded",
    "named_rep": "named rep",
}

# Company-size segments a rep's territory can name (see RepProfile.segments).
SEGMENT_BOUNDS: dict[str, tuple[int, int | None]] = {
    "smb": (0, 199),
    "mid_market": (200, 999),
    "enterprise": (1000, None),
}


def split_values(value: str | None) -> list[str]:
    """'United Kingdom, Germany\\nFrance' -> ['united kingdom', 'germany', 'france']."""
    return [v.strip().lower() for v in re.split(r"[,\n;]", value or "") if v.strip()]


def segment_of(employee_count: int | None) -> str:
    if employee_count is None:
        return ""
    for name, (low, high) in SEGMENT_BOUNDS.items():
        if employee_count >= low and (high is None or employee_count <= high):
            return name
    return ""


def short_date(day: date) -> str:
    """3 Dec (the year only when it is not this one is left to the reader: OOO is short)."""
    return f"{day.day} {day:%b}"


def duration_words(minutes: int) -> str:
    """240 -> '4 h', 90 -> '1 h 30 min', 2880 -> '2 days'."""
    if minutes >= 1440 and minutes % 1440 == 0:
        days = minutes // 1440
        return f"{days} day{'s' if days != 1 else ''}"
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


# --- Inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lead:
    """What routing rules and territories can see of a qualified contact."""

    contact_id: int
    name: str = ""
    company_name: str = ""
    country: str = ""
    region: str = ""
    industry: str = ""
    employee_count: int | None = None
    grade: str = "D"
    lead_source: str = ""
    properties: Mapping[str, object] = field(default_factory=dict)
    hand_raise: bool = False
    # The scoring model (scoring line) the lead qualified under.
    line_id: int | None = None


def _is_in(value: object, allowed: Collection[str]) -> bool:
    """Empty `allowed` means anything; text compares case-insensitively."""
    if not allowed:
        return True
    return str(value or "").strip().lower() in allowed


@dataclass(frozen=True)
class RuleSpec:
    """A routing rule as the engine sees it (built from routing.models.RoutingRule)."""

    id: int
    name: str
    team_id: int
    team_name: str = ""
    strategy: str = "round_robin"
    named_rep_id: int | None = None
    account_match: bool = True
    is_fallback: bool = False
    countries: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    industries: frozenset[str] = frozenset()
    min_employees: int | None = None
    max_employees: int | None = None
    grades: frozenset[str] = frozenset()  # upper case
    sources: frozenset[str] = frozenset()
    property_name: str = ""
    property_values: frozenset[str] = frozenset()
    sla_minutes: int = 240
    hand_raise_sla_minutes: int = 60
    rotation_position: int = 0
    # The rule's team's cool-off: a rep who rejected the lead this recently is passed over.
    reject_cool_off_days: int = 30
    # Only leads that qualified under this scoring model (line); None: any model.
    line_id: int | None = None

    def matches(self, lead: Lead) -> bool:
        if self.is_fallback:
            return True
        if self.line_id is not None and lead.line_id != self.line_id:
            return False
        if not (
            _is_in(lead.country, self.countries)
            and _is_in(lead.region, self.regions)
            and _is_in(lead.industry, self.industries)
            and _is_in(lead.lead_source, self.sources)
        ):
            return False
        if self.grades and lead.grade.upper() not in self.grades:
            return False
        if self.min_employees is not None or self.max_employees is not None:
            # An unknown size never satisfies a size condition.
            if lead.employee_count is None:
                return False
            if self.min_employees is not None and lead.employee_count < self.min_employees:
                return False
            if self.max_employees is not None and lead.employee_count > self.max_employees:
                return False
        if self.property_name:
            return _is_in(lead.properties.get(self.property_name), self.property_values) and (
                lead.properties.get(self.property_name) not in (None, "")
            )
        return True

    def sla_for(self, *, hand_raise: bool) -> int:
        if hand_raise:
            return min(self.hand_raise_sla_minutes, self.sla_minutes)
        return self.sla_minutes


@dataclass(frozen=True)
class RepState:
    """A rep's availability, load and territory at the moment of the decision."""

    user_id: int
    name: str
    team_id: int
    is_active: bool = True
    out_of_office_until: date | None = None
    capacity: int = 25
    load: int = 0
    weight: int = 1
    last_assigned_at: datetime | None = None
    countries: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    industries: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()

    def covers(self, lead: Lead) -> bool:
        """Inside this rep's territory (an empty territory part covers everything)."""
        if self.segments and segment_of(lead.employee_count) not in self.segments:
            return False
        return (
            _is_in(lead.country, self.countries)
            and _is_in(lead.region, self.regions)
            and _is_in(lead.industry, self.industries)
        )


@dataclass(frozen=True)
class AccountLink:
    """A user already tied to the lead's account: its owner, or the rep holding a colleague."""

    user_id: int
    name: str
    relation: str  # "owns Acme", "holds Jane Doe at Acme"
    role: str  # "account owner", "holds a colleague"
    rep: RepState | None  # None: the user is not set up to receive leads


# --- Output ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skip:
    user_id: int
    name: str
    reason: str


@dataclass(frozen=True)
class Decision:
    """Which rule matched, how the rep was chosen, who was passed over, and the result."""

    rule: RuleSpec | None
    strategy: str
    rep: RepState | None
    skipped: tuple[Skip, ...] = ()
    account: AccountLink | None = None
    note: str = ""
    # The rule's new round-robin cursor when the decision took a slot; None otherwise.
    rotation_position: int | None = None

    @property
    def sentence(self) -> str:
        """E.g. "Matched 'EMEA SaaS'; round robin; skipped Ana (out of office until 3 Dec)"."""
        if self.rule is None:
            parts = ["No routing rule matched and there is no fallback rule"]
        else:
            fallback = " (fallback)" if self.rule.is_fallback else ""
            parts = [f"Matched '{self.rule.name}'{fallback}"]
        if self.account is not None:
            parts.append(f"account match ({self.account.name} {self.account.relation})")
        elif self.strategy:
            parts.append(STRATEGY_WORDS.get(self.strategy, self.strategy))
        if self.skipped:
            parts.append("skipped " + ", ".join(f"{s.name} ({s.reason})" for s in self.skipped))
        if self.note:
            parts.append(self.note)
        if self.rep is not None:
            least_loaded = self.strategy == "least_loaded" and self.account is None
            load = f" ({self.rep.load} open)" if least_loaded else ""
            parts.append(f"assigned to {self.rep.name}{load}")
        else:
            parts.append("nobody can take it: Unassigned")
        return "; ".join(parts)


# --- Decisions ---------------------------------------------------------------------------------


def cool_off_reason(rejected_on: date, until: date) -> str:
    """Why a rep who rejected the lead is passed over: 'rejected it 3 Dec; cool-off to 2 Jan'."""
    return f"rejected it {short_date(rejected_on)}; cool-off until {short_date(until)}"


def unavailable_reason(
    rep: RepState, today: date, exclude: Collection[int] | Mapping[int, str] = frozenset()
) -> str | None:
    """
    Why a rep cannot take a new lead today, or None when they can. `exclude` lists reps barred
    from this lead: a mapping gives each one's reason (a rejection's cool-off), a plain
    collection means they already had it.
    """
    if rep.user_id in exclude:
        if isinstance(exclude, Mapping):
            return exclude[rep.user_id]
        return "already had it"
    if not rep.is_active:
        return "inactive"
    if rep.out_of_office_until is not None and rep.out_of_office_until >= today:
        return f"out of office until {short_date(rep.out_of_office_until)}"
    if rep.load >= rep.capacity:
        return f"at capacity {rep.load}/{rep.capacity}"
    return None


def rotation(reps: Sequence[RepState], *, weighted: bool) -> list[RepState]:
    """
    The slots of one turn. Weighted: a rep of weight w takes w slots, interleaved
    (weights 2, 1 -> A, B, A) so a heavy rep does not get a burst of consecutive leads.
    """
    if not weighted:
        return list(reps)
    slots: list[RepState] = []
    for turn in range(max((r.weight for r in reps), default=0)):
        slots += [r for r in reps if r.weight > turn]
    return slots


def pick_rotation(
    reps: Sequence[RepState],
    *,
    position: int,
    weighted: bool,
    today: date,
    exclude: Collection[int] | Mapping[int, str] = frozenset(),
) -> tuple[RepState | None, list[Skip], int | None]:
    """
    Round robin from the cursor: the first available rep at or after `position`. Returns the
    rep, the reps passed over on the way (once each), and the new cursor (None if nobody).
    """
    slots = rotation(reps, weighted=weighted)
    skipped: dict[int, Skip] = {}
    for step in range(len(slots)):
        rep = slots[(position + step) % len(slots)]
        reason = unavailable_reason(rep, today, exclude)
        if reason is None:
            return rep, list(skipped.values()), position + step + 1
        skipped.setdefault(rep.user_id, Skip(rep.user_id, rep.name, reason))
    return None, list(skipped.values()), None


_NEVER = datetime.min


def pick_least_loaded(
    reps: Sequence[RepState],
    *,
    today: date,
    exclude: Collection[int] | Mapping[int, str] = frozenset(),
) -> tuple[RepState | None, list[Skip]]:
    """
    The available rep with the fewest open leads. Ties go to the rep who has waited longest
    since their last lead (never assigned first), not to the lowest id.
    """
    skipped, available = [], []
    for rep in reps:
        reason = unavailable_reason(rep, today, exclude)
        if reason is None:
            available.append(rep)
        else:
            skipped.append(Skip(rep.user_id, rep.name, reason))
    if not available:
        return None, skipped

    def key(rep: RepState) -> tuple:
        last = rep.last_assigned_at
        return (rep.load, last is not None, last.replace(tzinfo=None) if last else _NEVER)

    return min(available, key=key), []


def first_matching_rule(rules: Sequence[RuleSpec], lead: Lead) -> RuleSpec | None:
    """The first matching rule in order; the fallback only when no other rule matches."""
    fallback = None
    for rule in rules:
        if rule.is_fallback:
            fallback = fallback or rule
        elif rule.matches(lead):
            return rule
    return fallback


def decide(
    *,
    lead: Lead,
    rules: Sequence[RuleSpec],
    reps: Sequence[RepState],
    account_links: Sequence[AccountLink] = (),
    today: date,
    exclude: Collection[int] | Mapping[int, str] = frozenset(),
) -> Decision:
    """
    Route one lead: the first matching rule; then, if the rule says so, the account's owner or
    the rep already holding a colleague; then the rule's strategy within its team (reps in
    rotation order, only those whose territory covers the lead). `exclude` lists reps who
    must not get it: they already had it and let the SLA run out, or (a mapping with the
    reason) rejected it within the team's cool-off.
    """
    rule = first_matching_rule(rules, lead)
    if rule is None:
        return Decision(rule=None, strategy="", rep=None)
    skipped: list[Skip] = []
    if rule.account_match:
        owner = _account_owner(rule, account_links, today, exclude, skipped)
        if owner is not None:
            return owner
    if rule.strategy == "named_rep":
        return _named_rep(rule, reps, today, exclude, skipped)
    return _from_team(rule, lead, reps, today, exclude, skipped)


def _account_owner(
    rule: RuleSpec,
    links: Sequence[AccountLink],
    today: date,
    exclude: Collection[int] | Mapping[int, str],
    skipped: list[Skip],
) -> Decision | None:
    """The first available rep linked to the lead's account; those passed over join `skipped`."""
    seen: set[int] = set()
    for link in links:
        if link.user_id in seen:
            continue
        seen.add(link.user_id)
        if link.rep is None:
            skipped.append(Skip(link.user_id, link.name, f"{link.role}, not a routable rep"))
            continue
        reason = unavailable_reason(link.rep, today, exclude)
        if reason is None:
            return Decision(
                rule=rule, strategy=rule.strategy, rep=link.rep, account=link, skipped=()
            )
        skipped.append(Skip(link.user_id, link.name, f"{link.role}, {reason}"))
    return None


def _named_rep(
    rule: RuleSpec,
    reps: Sequence[RepState],
    today: date,
    exclude: Collection[int] | Mapping[int, str],
    skipped: list[Skip],
) -> Decision:
    """The rule's named rep, or nobody when that rep cannot take the lead now."""
    named = next((r for r in reps if r.user_id == rule.named_rep_id), None)
    if named is None:
        return Decision(
            rule=rule,
            strategy=rule.strategy,
            rep=None,
            skipped=tuple(skipped),
            note="the named rep is not set up to receive leads",
        )
    reason = unavailable_reason(named, today, exclude)
    if reason is not None:
        skipped.append(Skip(named.user_id, named.name, reason))
        return Decision(rule=rule, strategy=rule.strategy, rep=None, skipped=tuple(skipped))
    return Decision(rule=rule, strategy=rule.strategy, rep=named, skipped=tuple(skipped))


def _from_team(
    rule: RuleSpec,
    lead: Lead,
    reps: Sequence[RepState],
    today: date,
    exclude: Collection[int] | Mapping[int, str],
    skipped: list[Skip],
) -> Decision:
    """A rep of the rule's team covering the lead, by the rule's strategy (rotation or load)."""
    team = [r for r in reps if r.team_id == rule.team_id]
    pool = [r for r in team if r.covers(lead)]
    already = {s.user_id for s in skipped}
    note = ""
    if not team:
        note = f"team {rule.team_name or rule.team_id} has no reps"
    elif not pool:
        note = f"no rep of {rule.team_name or 'the team'} covers this lead's territory"
    rotation_position = None
    if rule.strategy == "least_loaded":
        rep, passed = pick_least_loaded(pool, today=today, exclude=exclude)
    else:
        rep, passed, rotation_position = pick_rotation(
            pool,
            position=rule.rotation_position,
            weighted=rule.strategy == "weighted_round_robin",
            today=today,
            exclude=exclude,
        )
    return Decision(
        rule=rule,
        strategy=rule.strategy,
        rep=rep,
        skipped=tuple(skipped + [s for s in passed if s.user_id not in already]),
        note=note,
        rotation_position=rotation_position,
    )
