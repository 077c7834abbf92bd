from django.urls import path

from scoring import views

app_name = "scoring"

urlpatterns = [
    path("", views.model_overview, name="model"),
    path("versions/<int:pk>/", views.model_overview, name="version"),
    path("models/new/", views.line_create, name="line_create"),
    path("versions/<int:pk>/draft/", views.draft_create, name="draft_create"),
    path("versions/<int:pk>/whatif/", views.whatif, name="whatif"),
    path(
        "versions/<int:pk>/rules/<int:rule_pk>/apply-suggestion/",
        views.rule_apply_suggestion,
        name="apply_suggestion",
    ),
    path("whatif/<int:pk>/", views.whatif_progress, name="whatif_progress"),
    path("run/<int:pk>/", views.rescore_run_progress, name="run"),
    path("contacts/<int:pk>/", views.contact_scores, name="contact"),
]
