from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("funnel/", views.funnel, name="funnel"),
]
