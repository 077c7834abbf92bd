"""
The scoring app's admin, registered by concern in sibling modules. Django's autodiscover imports
only this module, so each of them is imported here:

- scoring/rule_admin.py: rules and their conditions;
- scoring/version_admin.py: versions of the scoring model, their buttons (rescore, draft,
  publish, roll back) and the scoring lines;
- scoring/history_admin.py: the audit trail, what-if runs and rescore runs;
- scoring/score_admin.py: contact scores, their timeline and qualified leads;
- scoring/account_admin.py: account scores, MQAs and their admin actions.
"""

from scoring import (  # noqa: F401  (imported to register their admins)
    account_admin,
    history_admin,
    rule_admin,
    score_admin,
    version_admin,
)
