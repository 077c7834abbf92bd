"""
Writes for companies, contacts, activities and outcomes, by concern:

- records: one company, contact, activity or outcome at a time; who holds a lead;
- bulk: what the bulk writes share (row types, validation, lookups, writing a planned batch
  with a row-by-row fallback); bulk_contacts, bulk_companies, bulk_activities: the bulk
  writes of the API's bulk endpoints, the CSV import and the website.

Every function is transactional. Callers import from contacts.services; the names below are
its public interface.
"""

from contacts.models import normalize_domain
from contacts.services.bulk import (
    COMPANY_BULK_FIELDS,
    CONTACT_BULK_FIELDS,
    ActivityRow,
    CompanyRow,
    ContactRow,
    has_nul,
)
from contacts.services.bulk_activities import activities_bulk_record
from contacts.services.bulk_companies import companies_bulk_upsert
from contacts.services.bulk_contacts import contacts_bulk_upsert
from contacts.services.records import (
    activity_record,
    company_upsert,
    contact_holder_record,
    contact_identity_add,
    contact_set_stage,
    contact_upsert,
    outcome_record,
)

# The bulk result types live in a neutral module (integrations imports no app); re-exported
# here so `from contacts.services import BulkResult` keeps working.
from leadscore.bulk import BULK_MAX_ROWS, BulkResult, RowResult, RowStatus

__all__ = [
    "BULK_MAX_ROWS",
    "COMPANY_BULK_FIELDS",
    "CONTACT_BULK_FIELDS",
    "ActivityRow",
    "BulkResult",
    "CompanyRow",
    "ContactRow",
    "RowResult",
    "RowStatus",
    "activities_bulk_record",
    "activity_record",
    "companies_bulk_upsert",
    "company_upsert",
    "contact_holder_record",
    "contact_identity_add",
    "contact_set_stage",
    "contact_upsert",
    "contacts_bulk_upsert",
    "has_nul",
    "normalize_domain",
    "outcome_record",
]
