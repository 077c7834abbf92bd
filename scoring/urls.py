from django.urls import path

from scoring import views

app_name = "scoring"

urlpatterns = [
    path("", views.model_overview, name="model"),
    path("run/<int:pk>/", views.rescore_run_progress, name="run"),
    path("contacts/<int:pk>/", views.contact_scores, name="contact"),
]
