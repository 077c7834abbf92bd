"""The public endpoints websites call (mounted at /w/): snippet, collector, form posts."""

from django.urls import path

from website import public

app_name = "website_public"

urlpatterns = [
    path("ls.js", public.snippet, name="snippet"),
    path("c/<str:site_key>/", public.collect, name="collect"),
    path("f/<str:form_key>/", public.form_post, name="form"),
]
