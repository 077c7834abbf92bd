from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.urls import include, path
from django.views.defaults import page_not_found

from contacts import urls as contacts_urls
from workspace import urls as workspace_urls
from workspace import views as workspace_views


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """
    404s: the API answers in its JSON shape without rendering any page (so an API client never
    depends on the site's templates or static files); pages get the styled 404.
    """
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "detail": "Not found: no such API URL or object (ids are positive integers).",
                "code": "not_found",
            },
            status=404,
        )
    return page_not_found(request, exception)


handler404 = not_found


@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    """Resolved per request: the hashed static name exists only after collectstatic."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("", workspace_views.home, name="home"),
    # Browsers ask for /favicon.ico on pages without an icon tag (the API, files): our SVG.
    path("favicon.ico", favicon),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The contact list is the workspace's (it shows scores and owners); the contact pages and
    # imports are the contacts app's. One `contacts` namespace for both.
    path(
        "contacts/",
        include(
            (workspace_urls.contact_patterns + contacts_urls.urlpatterns, contacts_urls.app_name)
        ),
    ),
    path("companies/", include("workspace.urls")),
    path("scoring/", include("scoring.urls")),
    path("queue/", include("routing.urls")),
    path("reports/", include("reports.urls")),
    path("predictive/", include("predictive.urls")),
    path("website/", include("website.urls")),
    path("w/", include("website.public_urls")),
    path("api/v1/", include("leadscore.api_urls")),
    path("admin/", admin.site.urls),
]
