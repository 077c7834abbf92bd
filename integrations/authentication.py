"""DRF authentication by API key: `Authorization: Bearer lsk_…` (or an `X-Api-Key` header)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from integrations import services
from integrations.models import KEY_PREFIX, ApiKey, key_hash


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticates as the key's owner; `request.auth` is the ApiKey (scopes, throttle)."""

    keyword = "Bearer"

    def _raw_key(self, request) -> str | None:
        header = authentication.get_authorization_header(request).decode("latin-1").strip()
        if header:
            keyword, _, value = header.partition(" ")
            if keyword.lower() not in {"bearer", "token", "api-key"}:
                return None  # another scheme (Basic...): not ours
            value = value.strip()
            if not value or " " in value:
                raise exceptions.AuthenticationFailed(
                    "Malformed Authorization header: send 'Authorization: Bearer <key>'."
                )
            return value
        value = request.META.get("HTTP_X_API_KEY", "").strip()
        return value or None

    def authenticate(self, request):
        raw = self._raw_key(request)
        if raw is None:
            return None
        if not raw.startswith(KEY_PREFIX):
            raise exceptions.AuthenticationFailed("This is not a Leadscore API key.")
        api_key = ApiKey.objects.select_related("owner").filter(hashed_key=key_hash(raw)).first()
        if api_key is None:
            raise exceptions.AuthenticationFailed("Unknown API key.")
        if api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                f"API key {api_key.prefix} was revoked on {api_key.revoked_at:%Y-%m-%d}."
            )
        if not api_key.owner.is_active:
            raise exceptions.AuthenticationFailed(
                f"The owner of API key {api_key.prefix} is deactivated."
            )
        services.api_key_touch(api_key=api_key)
        return api_key.owner, api_key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Documents the key in the OpenAPI schema."""

    target_class = "integrations.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "lsk_<id>_<secret>",
            "description": (
                "An API key created in the admin (Integrations > API keys), shown once. "
                "Send it as `Authorization: Bearer lsk_…`. What it may do is limited by its "
                "scopes (read, write, import, rules) and by its owner's role."
            ),
        }
