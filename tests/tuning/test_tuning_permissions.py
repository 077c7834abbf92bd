"""Who may see and do what, per persona."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("rep_client", 403),
        ("manager_client", 200),
        ("ops_client", 200),
        ("admin_client_persona", 200),
    ],
)
def test_the_funnel_dashboard_is_for_managers_marketing_and_admins(request, persona, status):
    assert request.getfixturevalue(persona).get("/reports/funnel/").status_code == status


def test_a_user_without_a_role_sees_no_dashboard(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get("/reports/funnel/").status_code == 403


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("rep_client", 403),
        ("manager_client", 403),
        ("ops_client", 200),
        ("admin_client_persona", 200),
    ],
)
def test_the_what_if_is_for_marketing_ops_and_admins(request, draft, persona, status):
    client = request.getfixturevalue(persona)
    assert client.get(f"/scoring/versions/{draft.pk}/whatif/").status_code == status


def test_only_marketing_ops_and_admins_start_what_ifs_publish_and_apply_suggestions(
    draft, manager_client, rep_client
):
    rule = draft.rules.first()
    for client in (manager_client, rep_client):
        assert client.post(f"/scoring/versions/{draft.pk}/whatif/").status_code == 403
        assert client.post(f"/scoring/versions/{draft.pk}/draft/").status_code == 403
        assert (
            client.post(
                f"/scoring/versions/{draft.pk}/rules/{rule.pk}/apply-suggestion/", {"points": 1}
            ).status_code
            == 403
        )
        # Not staff: the admin's publish page sends them to the admin login.
        assert client.post(f"/admin/scoring/scoringmodel/{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    assert draft.is_draft


def test_the_model_page_offers_actions_by_role(live, draft, ops_client, rep_client):
    ops = ops_client.get("/scoring/").content.decode()
    assert f"Create a draft from v{live.version}" in ops and "Funnel dashboard" in ops
    assert f"What-if of draft v{draft.version}" in ops
    rep = rep_client.get("/scoring/").content.decode()
    assert "Create a draft" not in rep and "Funnel dashboard" not in rep and "What-if" not in rep
    assert "Versions" in rep
