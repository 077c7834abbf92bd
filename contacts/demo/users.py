"""The demo's users, one or more per role, with the passwords seed_demo prints."""

from __future__ import annotations

from dataclasses import dataclass

from leadscore.roles import Role


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: Role
    is_superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.username}@leadscore.example"

    @property
    def password(self) -> str:
        # Deterministic and printed by the command: these accounts exist for demos only.
        return f"demo-{self.username}-2026"


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Avery", "Adams", Role.ADMIN, is_superuser=True),
    DemoUser("marketing", "Morgan", "Lee", Role.MARKETING_OPS),
    DemoUser("manager", "Sam", "Patel", Role.SALES_MANAGER),
    DemoUser("rep1", "Riley", "Chen", Role.SALES_REP),
    DemoUser("rep2", "Jordan", "Garcia", Role.SALES_REP),
    DemoUser("rep3", "Taylor", "Okafor", Role.SALES_REP),
)
REP_USERNAMES: tuple[str, ...] = tuple(
    user.username for user in DEMO_USERS if user.role == Role.SALES_REP
)
MANAGER_USERNAME = "manager"
