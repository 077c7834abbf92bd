"""Rate limits per API key (each key its own bucket and, optionally, its own rate)."""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from integrations.models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Requests per key: the key's own throttle_rate, else REST_FRAMEWORK's 'api_key' rate."""

    scope = "api_key"

    def allow_request(self, request, view) -> bool:
        api_key = request.auth if isinstance(request.auth, ApiKey) else None
        if api_key is None:
            return True
        self.rate = api_key.throttle_rate or self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        allowed = super().allow_request(request, view)
        if not allowed:
            request.throttle_explanation = f"API key {api_key.prefix} is limited to {self.rate}"
        return allowed

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class ApiKeyBulkRateThrottle(ApiKeyRateThrottle):
    """Bulk requests (up to 10,000 rows each) per key, on top of the request rate."""

    scope = "api_key_bulk"

    def allow_request(self, request, view) -> bool:
        if getattr(view, "action", None) not in getattr(view, "bulk_actions", ()):
            return True
        api_key = request.auth if isinstance(request.auth, ApiKey) else None
        if api_key is None:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        allowed = SimpleRateThrottle.allow_request(self, request, view)
        if not allowed:
            request.throttle_explanation = (
                f"API key {api_key.prefix} may send {self.rate} bulk requests"
            )
        return allowed


class SessionUserRateThrottle(UserRateThrottle):
    """Logged-in users of the browsable API and Swagger UI (API keys have their own limits)."""

    def allow_request(self, request, view) -> bool:
        if isinstance(request.auth, ApiKey):
            return True
        allowed = super().allow_request(request, view)
        if not allowed:
            request.throttle_explanation = f"Your session is limited to {self.rate}"
        return allowed
