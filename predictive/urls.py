from django.urls import path

from predictive import views

app_name = "predictive"

urlpatterns = [
    path("", views.model_page, name="model"),
    path("versions/<int:pk>/", views.model_page, name="version"),
    path("versions/<int:pk>/progress/", views.training_progress, name="progress"),
    path("retrain/", views.retrain, name="retrain"),
    path("versions/<int:pk>/adopt/", views.suggestion_adopt, name="adopt"),
    path("contacts/<int:pk>/", views.contact_panel, name="contact"),
]
