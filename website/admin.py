from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.utils.html import format_html

from website.models import Form, PageView, Site, Visitor


def install_snippet(site: Site) -> str:
    """The <script> tag a site pastes into its pages (README: Website tracking)."""
    base = settings.LEADSCORE_BASE_URL.rstrip("/")
    consent = "pending" if site.require_consent else "not-required"
    return (
        f'<script async src="{base}/w/ls.js" data-site="{site.public_key}" '
        f'data-consent="{consent}"></script>'
    )


class SiteForm(ModelForm):
    class Meta:
        model = Site
        fields = [
            "name",
            "allowed_origins",
            "is_active",
            "require_consent",
            "honour_dnt",
            "pricing_paths",
        ]

    def clean_pricing_paths(self):
        paths = self.cleaned_data["pricing_paths"] or []
        if not isinstance(paths, list) or not all(
            isinstance(p, str) and p.startswith("/") for p in paths
        ):
            raise ValidationError('A list of paths starting with "/", e.g. ["/pricing"].')
        return paths

    def clean_allowed_origins(self):
        origins = self.cleaned_data["allowed_origins"] or []
        if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
            raise ValidationError('A list of origins, e.g. ["https://www.example.com"].')
        cleaned = []
        for origin in origins:
            origin = origin.strip().rstrip("/").lower()
            browser_origin = _as_browser_sends(origin)
            if browser_origin is None:
                raise ValidationError(
                    f"'{origin[:100]}' is not an origin: scheme and host (and port) only, "
                    "like https://www.example.com."
                )
            cleaned.append(browser_origin)
        return cleaned


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _as_browser_sends(origin: str) -> str | None:
    """
    `origin` written as browsers send it in the Origin header, which Site.allows_origin
    compares as text: an international host in punycode (bücher.de -> xn--bcher-kva.de), no
    default port (:443 for https). None when it is not an origin (a path, credentials...).
    """
    scheme, sep, rest = origin.partition("://")
    if not sep or scheme not in _DEFAULT_PORTS or not rest:
        return None
    if any(c in "/?#@\\" or c.isspace() for c in rest):
        return None
    try:
        parts = urlsplit(origin)
        host, port = parts.hostname or "", parts.port
        if not host.startswith("[") and ":" not in host:
            host = host.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    if not host:
        return None
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address keeps its brackets
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


class FormInline(admin.TabularInline):
    model = Form
    extra = 0
    fields = ["name", "public_key", "redirect_url", "honeypot_field", "is_active"]
    readonly_fields = ["public_key"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    form = SiteForm
    list_display = ["name", "public_key", "is_active", "require_consent", "honour_dnt"]
    readonly_fields = ["public_key", "snippet", "created_at"]
    inlines = [FormInline]

    @admin.display(description="Install snippet")
    def snippet(self, obj: Site) -> str:
        if not obj.pk:
            return "Save the site to get its snippet."
        return format_html("<code>{}</code>", install_snippet(obj))


@admin.register(Form)
class FormAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "public_key", "is_active"]
    list_filter = ["site", "is_active"]
    readonly_fields = ["public_key", "endpoint", "created_at"]

    @admin.display(description="Post to")
    def endpoint(self, obj: Form) -> str:
        if not obj.pk:
            return "Save the form to get its address."
        base = settings.LEADSCORE_BASE_URL.rstrip("/")
        return format_html("<code>{}/w/f/{}/</code>", base, obj.public_key)


class PageViewInline(admin.TabularInline):
    model = PageView
    extra = 0
    can_delete = False
    fields = ["occurred_at", "url", "title", "referrer", "utm", "activity"]
    readonly_fields = fields
    ordering = ["-occurred_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
    list_display = ["visitor_id", "site", "contact", "page_view_count", "last_seen_at"]
    list_filter = ["site", ("contact", admin.EmptyFieldListFilter)]
    search_fields = ["visitor_id", "contact__email"]
    readonly_fields = [f.name for f in Visitor._meta.fields]
    raw_id_fields = ["contact"]
    inlines = [PageViewInline]

    def has_add_permission(self, request) -> bool:
        return False
