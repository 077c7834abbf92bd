"""Every endpoint checks the key's scope and the owner's role; reps see only their own leads."""

from __future__ import annotations

import pytest

from tests.factories import CompanyFactory, ContactFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db

# (method, path, body, the scope it needs)
ENDPOINTS = {
    "read": ("get", "/api/v1/contacts/", None),
    "write": ("post", "/api/v1/contacts/", {"email": "new@example.com"}),
    "import": ("post", "/api/v1/contacts/bulk/", {"items": [{"email": "bulk@example.com"}]}),
    "rules": ("get", "/api/v1/scoring-rules/", None),
}
ROLE_SCOPES = {
    "admin_user": {"read", "write", "import", "rules"},
    "marketing_ops": {"read", "write", "import", "rules"},
    "manager": {"read"},
    "rep": {"read"},
    "no_role_user": set(),
}


def _call(client, scope):
    method, path, body = ENDPOINTS[scope]
    return getattr(client, method)(path, body, format="json") if body else client.get(path)


@pytest.mark.parametrize("persona", list(ROLE_SCOPES))
@pytest.mark.parametrize("scope", list(ENDPOINTS))
def test_a_key_with_the_scope_works_only_if_the_role_allows_it(request, client_for, persona, scope):
    user = request.getfixturevalue(persona)
    response = _call(client_for(user, scopes=[scope]), scope)
    if scope in ROLE_SCOPES[persona]:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code == 403
        assert f"'{scope}' scope" in response.json()["detail"]


@pytest.mark.parametrize("scope", list(ENDPOINTS))
def test_a_key_without_the_scope_is_refused_even_for_an_admin(admin_user, client_for, scope):
    others = [s for s in ENDPOINTS if s != scope]
    response = _call(client_for(admin_user, scopes=others), scope)
    assert response.status_code == 403
    assert "lacks the" in response.json()["detail"]


@pytest.mark.parametrize("scope", list(ENDPOINTS))
def test_session_users_have_the_scopes_of_their_role(ops_client, rep_client, scope):
    method, path, body = ENDPOINTS[scope]
    call = getattr(ops_client, method)
    ops = call(path, body, content_type="application/json") if body else ops_client.get(path)
    assert ops.status_code in (200, 201)
    call = getattr(rep_client, method)
    rep = call(path, body, content_type="application/json") if body else rep_client.get(path)
    assert rep.status_code == (200 if scope == "read" else 403)


def test_reps_see_only_the_leads_of_accounts_they_own(rep, manager, client_for):
    mine = ContactFactory(company=CompanyFactory(account_owner=rep))
    other = ContactFactory()
    rep_api, manager_api = client_for(rep, ["read"]), client_for(manager, ["read"])
    assert [c["id"] for c in rep_api.get("/api/v1/contacts/").json()["results"]] == [mine.pk]
    assert rep_api.get(f"/api/v1/contacts/{other.pk}/").status_code == 404
    assert rep_api.get(f"/api/v1/contacts/{mine.pk}/").status_code == 200
    assert len(manager_api.get("/api/v1/contacts/").json()["results"]) == 2
    companies = rep_api.get("/api/v1/companies/").json()["results"]
    assert [c["id"] for c in companies] == [mine.company_id]


def test_reps_see_only_their_own_leads_scores_and_activities(
    rep, client_for, django_capture_on_commit_callbacks
):
    from contacts.models import ActivityKind
    from tests.factories import ActivityFactory, InterestRuleFactory

    model = ScoringModelFactory()
    InterestRuleFactory(scoring_model=model, activity_kind=ActivityKind.PAGE_VIEW)
    with django_capture_on_commit_callbacks(execute=True):
        mine = ContactFactory(company=CompanyFactory(account_owner=rep))
        other = ContactFactory()
        ActivityFactory(contact=mine)
        ActivityFactory(contact=other)
    api = client_for(rep, ["read"])
    assert [s["contact_id"] for s in api.get("/api/v1/scores/").json()["results"]] == [mine.pk]
    activities = api.get("/api/v1/activities/").json()["results"]
    assert [a["contact_id"] for a in activities] == [mine.pk]
