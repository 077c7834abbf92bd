from django.urls import path

from routing import views

app_name = "routing"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("dry-run/", views.dry_run, name="dry_run"),
    path("<int:pk>/", views.assignment_detail, name="assignment"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/disqualify/", views.disqualify, name="disqualify"),
    path("<int:pk>/outcome/", views.outcome, name="outcome"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
    path("<int:pk>/actions/<slug:form>/", views.action_form, name="action_form"),
]
