from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from contacts import urls as contacts_urls
from workspace import urls as workspace_urls
from workspace import views as workspace_views


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
