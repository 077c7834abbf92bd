from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from contacts import urls as contacts_urls
from workspace import urls as workspace_urls

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="contacts:list"), name="home"),
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
    path("api/v1/", include("leadscore.api_urls")),
    path("admin/", admin.site.urls),
]
