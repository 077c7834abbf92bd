"""
Workspace URLs. The contact list and its actions live under /contacts/ in the `contacts`
namespace (leadscore/urls.py merges them with contacts.urls), so `contacts:list` stays the
list's name while contacts itself never imports scoring or routing.
"""

from django.urls import path

from workspace import views

contact_patterns = [
    path("", views.contact_list, name="list"),
    path("export.csv", views.contact_export, name="export"),
    path("bulk/", views.contact_bulk, name="bulk"),
    path("views/", views.saved_view_save, name="view_save"),
    path("views/<int:pk>/delete/", views.saved_view_delete, name="view_delete"),
    path("<int:pk>/routing/", views.contact_routing, name="routing"),
]

app_name = "companies"

urlpatterns = [
    path("", views.company_list, name="list"),
    path("<int:pk>/", views.company_detail, name="detail"),
]
