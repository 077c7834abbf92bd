"""
The errors routing's writes raise: RoutingError, whose message is for the user (the views show
it, the API answers 409); RoutingInputError, a RoutingError about what the user entered; and
ReassignWarning, which a manager may override.
"""

from __future__ import annotations


class RoutingError(Exception):
    """An action that cannot be done in the lead's current state; the message is for the user."""


class RoutingInputError(RoutingError):
    """
    What the user entered is missing or incomplete (not the lead's state): the form they used
    comes back with the message and what they entered.
    """


class ReassignWarning(RoutingError):
    """
    The chosen rep is away, inactive, at capacity or rejected this lead recently: the manager
    must confirm (force=True; the API's `force` flag, the form's checkbox). `warnings` lists
    each problem as a sentence.
    """

    def __init__(self, warnings: list[str]):
        self.warnings = warnings
        super().__init__(" ".join(warnings) + " Confirm to reassign anyway.")
