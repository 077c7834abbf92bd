"""
How an import file's columns map to fields: the targets a column can map to, the column names
that map automatically (HubSpot and Salesforce exports), the guessed mapping, the checks on a
chosen one, and the system a file's ids come from.
"""

from __future__ import annotations

from contacts.import_values import _key
from contacts.models import ImportJob, ImportKind, LifecycleStage

IGNORE, PROPERTY = "ignore", "property"

CONTACT_TARGETS: dict[str, str] = {
    "email": "Email",
    "external_id": "Id in the source system (HubSpot Record ID, Salesforce Id, lead id)",
    "first_name": "First name",
    "last_name": "Last name",
    "job_title": "Job title",
    "phone": "Phone",
    "lead_source": "Lead source",
    "lifecycle_stage": "Lifecycle stage",
    "do_not_contact": "Do not contact (0/1)",
    "unsubscribed": "Unsubscribed (0/1)",
    "country": "Country",
    "region": "Region / state",
    "city": "City",
    "created_at": "Created date (becomes the lead's created date)",
    "modified_at": "Last modified date (outcome date when none is mapped)",
    "is_deleted": "Deleted in the source (1 = skip the row)",
    "company_name": "Company name",
    "company_domain": "Company website / domain",
    "industry": "Company industry",
    "employee_count": "Company employees",
    "annual_revenue": "Company annual revenue",
    "company_country": "Company country",
    "company_region": "Company region / state",
    "company_city": "Company city",
    "owner": "Owner (user email, username or name)",
    "outcome": "Outcome: won / lost (also 1/0, true/false, yes/no)",
    "outcome_date": "Outcome: decided on",
    "converted": "Outcome: converted (1 = won, 0 = lost unless the status is open)",
    "converted_date": "Outcome: converted on",
    "lost_reason": "Outcome: lost reason",
    "amount": "Outcome: amount",
    **{f"{stage}_at": f"Date became {label}" for stage, label in LifecycleStage.choices},
    PROPERTY: "Custom property (named after the column)",
    IGNORE: "Ignore",
}
COMPANY_TARGETS: dict[str, str] = {
    "company_name": "Company name",
    "company_domain": "Website / domain",
    "industry": "Industry",
    "employee_count": "Employees",
    "annual_revenue": "Annual revenue",
    "country": "Country",
    "region": "Region / state",
    "city": "City",
    "owner": "Account owner (user email, username or name)",
    IGNORE: "Ignore",
}

# Column names (lower-case, letters and digits only) that map automatically, in priority
# order per target: the first column found takes the target, later ones stay properties.
AUTO_MAP: dict[str, list[str]] = {
    "email": ["email", "emailaddress", "workemail"],
    "external_id": ["recordid", "id", "leadid", "prospectid", "contactid", "externalid"],
    "created_at": ["createdate", "createddate", "createdat", "datecreated", "creationdate"],
    "modified_at": ["lastmodifieddate", "lastmodified", "modifieddate", "updatedat"],
    "is_deleted": ["isdeleted", "deleted"],
    "first_name": ["firstname", "givenname"],
    "last_name": ["lastname", "surname", "familyname"],
    "job_title": ["jobtitle", "title"],
    "phone": ["phone", "phonenumber", "mobilephone", "mobilephonenumber"],
    "lead_source": ["leadsource", "originalsource", "source"],
    "lifecycle_stage": ["lifecyclestage", "stage"],
    "unsubscribed": ["hasoptedoutofemail", "unsubscribedfromallemail", "unsubscribed", "optedout"],
    "do_not_contact": ["donotcontact"],
    "company_name": ["company", "companyname", "accountname"],
    "company_domain": [
        "companydomainname",
        "website",
        "websiteurl",
        "domain",
        "companydomain",
        "domainname",
    ],
    "industry": ["industry"],
    "employee_count": ["numberofemployees", "employees", "employeecount"],
    "annual_revenue": ["annualrevenue", "revenue"],
    "country": ["country", "countryregion"],
    "region": ["state", "stateregion", "region", "stateprovince"],
    "city": ["city"],
    "owner": ["contactowner", "ownerid", "owner", "leadowner", "companyowner", "accountowner"],
    "outcome": ["outcome", "result", "wonlost"],
    "outcome_date": ["closedate", "outcomedate", "decidedat"],
    "converted": ["isconverted", "converted"],
    "converted_date": ["converteddate"],
    "lost_reason": ["lostreason", "closedlostreason"],
    "amount": ["amount", "dealamount"],
    "subscriber_at": ["becameasubscriberdate"],
    "lead_at": ["becamealeaddate"],
    "mql_at": ["becameamarketingqualifiedleaddate"],
    "sql_at": ["becameasalesqualifiedleaddate"],
    "opportunity_at": ["becameanopportunitydate"],
    "customer_at": ["becameacustomerdate"],
}


def mapping_guess(columns: list[str], kind: str = ImportKind.CONTACTS) -> dict[str, str]:
    """The automatic mapping: {column index (str): target}; unknown columns -> property."""
    targets = COMPANY_TARGETS if kind == ImportKind.COMPANIES else CONTACT_TARGETS
    keys = [_key(c) for c in columns]
    mapping = {
        str(i): (PROPERTY if kind == ImportKind.CONTACTS else IGNORE) for i in range(len(columns))
    }
    auto = dict(AUTO_MAP)
    if kind == ImportKind.COMPANIES:
        auto["company_name"] = [*auto["company_name"], "name"]
    for target, names in auto.items():
        if target not in targets:
            continue
        for name in names:
            if name in keys and mapping[str(keys.index(name))] in (PROPERTY, IGNORE):
                mapping[str(keys.index(name))] = target
                break
    return mapping


def mapping_check(job: ImportJob, mapping: dict[str, str]) -> list[str]:
    """Problems with a mapping: a target twice, or no column to match rows on."""
    targets = COMPANY_TARGETS if job.kind == ImportKind.COMPANIES else CONTACT_TARGETS
    problems = []
    seen: dict[str, str] = {}
    for index, target in mapping.items():
        if target not in targets:
            problems.append(f"Unknown field '{target}'.")
        elif target not in (PROPERTY, IGNORE):
            if target in seen:
                problems.append(
                    f"'{targets[target]}' is mapped twice: {seen[target]} and "
                    f"{job.columns[int(index)]}."
                )
            seen[target] = job.columns[int(index)]
    if job.kind == ImportKind.COMPANIES:
        if "company_domain" not in seen:
            problems.append(
                f"Map a column to '{targets['company_domain']}': rows are matched on it."
            )
    elif "email" not in seen and "external_id" not in seen:
        problems.append(
            f"Map a column to '{targets['email']}' or to '{targets['external_id']}': "
            "contacts are matched on them."
        )
    return problems


def guess_id_source(columns: list[str]) -> str:
    """The system a file's id column comes from, told by its header."""
    keys = {_key(c) for c in columns}
    if "recordid" in keys:
        return "hubspot"
    if "id" in keys and keys & {"isdeleted", "isconverted", "ownerid"}:
        return "salesforce"
    return "csv"
