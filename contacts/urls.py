from django.urls import path

from contacts import views

app_name = "contacts"

urlpatterns = [
    path("<int:pk>/", views.contact_detail, name="detail"),
    path("import/", views.import_list, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("import/<int:pk>/rejected.csv", views.import_rejected, name="import_rejected"),
]
