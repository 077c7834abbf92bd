"""
The REST API under /api/v1/: a router over the apps' api modules, the OpenAPI schema, and
Swagger UI / Redoc served with their assets from our own static files (no CDN).

Every URL here is exempt from LoginRequiredMiddleware (API keys carry no session); DRF still
authenticates each request (API key, or the session for the browsable API and Swagger UI) and
checks its scope and role (integrations.permissions.HasScopeAndRole).
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from contacts.api import ActivityViewSet, ContactViewSet
from routing.api import AssignmentViewSet
from scoring.account_api import CompanyWithAccountScoreViewSet
from scoring.api import ScoreViewSet, ScoringLineViewSet, ScoringRuleViewSet

router = DefaultRouter()
# Contacts' company endpoint, extended by scoring with the account score.
router.register("companies", CompanyWithAccountScoreViewSet, basename="company")
router.register("contacts", ContactViewSet, basename="contact")
router.register("activities", ActivityViewSet, basename="activity")
router.register("scores", ScoreViewSet, basename="score")
router.register("scoring-rules", ScoringRuleViewSet, basename="scoring-rule")
router.register("scoring-models", ScoringLineViewSet, basename="scoring-model")
router.register("assignments", AssignmentViewSet, basename="assignment")


urlpatterns = [
    *router.urls,
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
        name="api-schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[AllowAny]),
        name="api-docs",
    ),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="api-schema", permission_classes=[AllowAny]),
        name="api-redoc",
    ),
]

for pattern in urlpatterns:
    # What django.contrib.auth.decorators.login_not_required does, for every API view.
    pattern.callback.login_required = False
