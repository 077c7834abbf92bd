from django.urls import path

from website import views

app_name = "website"

urlpatterns = [
    path("visitors/", views.visitor_list, name="visitors"),
    path("visitors/<int:pk>/", views.visitor_detail, name="visitor"),
]
