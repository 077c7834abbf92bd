"""Every page of the app requires a logged-in user, except the login page itself."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# The website snippet is loaded by anyone's browser on the tracked sites; its collector and form
# endpoints (keyed routes, not listed here) check site keys and origins instead of a login
# (tests/website). The favicon is a redirect to a static file: browsers fetch it before anyone
# logs in.
PUBLIC = {"/login/", "/w/ls.js", "/favicon.ico"}
# The REST API is exempt from the login redirect: API keys carry no session. DRF answers an
# anonymous request with 401 instead (tested below); its schema and viewers hold no data.
API_PREFIX = "/api/"
API_PUBLIC = {"/api/v1/schema/", "/api/v1/docs/", "/api/v1/redoc/"}


def _example_urls(patterns=None, prefix: str = "") -> list[str]:
    """One concrete URL for each route, with 1 filled in for its parameters."""
    urls = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue  # the admin has its own login screen, tested below
            urls += _example_urls(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            path = prefix + route
            if "(?P" in path or "^" in path:
                continue  # regex routes (static, format suffixes) are covered by their plain twin
            for converter in (
                "<int:pk>",
                "<int:contact_id>",
                "<int:id>",
                "<slug:slug>",
                "<str:pk>",
            ):
                path = path.replace(converter, "1")
            if "<" not in path:
                urls.append("/" + path)
    return urls


def test_the_url_list_is_not_empty():
    urls = _example_urls()
    assert "/contacts/" in urls
    assert len(urls) >= 4


@pytest.mark.parametrize(
    "url", sorted(u for u in set(_example_urls()) - PUBLIC if not u.startswith(API_PREFIX))
)
def test_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "url", sorted(u for u in _example_urls() if u.startswith(API_PREFIX) and u not in API_PUBLIC)
)
def test_anonymous_api_requests_are_refused_with_401(client, url):
    response = client.get(url)
    assert response.status_code == 401


def test_admin_sends_anonymous_visitor_to_a_login_page(client):
    response = client.get("/admin/contacts/contact/")
    assert response.status_code == 302
    assert response["Location"].startswith(("/login/", "/admin/login/"))


def test_login_page_is_public(client):
    assert client.get("/login/").status_code == 200


def test_user_can_log_in_through_the_form(client, rep):
    response = client.post(
        "/login/", {"username": "rita.rep", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert client.get("/contacts/").status_code == 200
