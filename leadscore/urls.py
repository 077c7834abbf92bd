from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="contacts:list"), name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("contacts/", include("contacts.urls")),
    path("scoring/", include("scoring.urls")),
    path("queue/", include("routing.urls")),
    path("reports/", include("reports.urls")),
    path("predictive/", include("predictive.urls")),
    path("website/", include("website.urls")),
    path("w/", include("website.public_urls")),
    path("api/v1/", include("leadscore.api_urls")),
    path("admin/", admin.site.urls),
]
