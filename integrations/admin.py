"""API keys in the admin: created here, shown once, revoked here."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from integrations import services
from integrations.models import ApiKey, Scope
from integrations.permissions import role_of, scopes_of_role
from leadscore.roles import Role

RATE_RE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Give an integration only what it needs. The owner's role limits it too.",
    )

    class Meta:
        model = ApiKey
        fields = ["name", "owner", "scopes", "throttle_rate"]

    def clean_throttle_rate(self) -> str:
        rate = self.cleaned_data["throttle_rate"].strip().replace(" ", "")
        if rate and not RATE_RE.match(rate):
            raise forms.ValidationError("Write a rate as number/period: '600/min', '20000/hour'.")
        return rate

    def clean(self):
        data = super().clean()
        owner, scopes = data.get("owner"), data.get("scopes") or []
        if owner is not None:
            role = role_of(owner)
            allowed = scopes_of_role(role)
            refused = [s for s in scopes if Scope(s) not in allowed]
            if refused:
                who = f"a {role.value}" if role else "a user without a role"
                self.add_error(
                    "scopes",
                    f"The owner is {who}, whose role cannot use: {', '.join(refused)}.",
                )
        return data


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ["name", "prefix", "owner", "scope_list", "status", "last_used_at", "created_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "owner__username"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke_keys"]

    @admin.display(description="scopes")
    def scope_list(self, obj: ApiKey) -> str:
        return ", ".join(obj.scopes)

    @admin.display(description="status")
    def status(self, obj: ApiKey) -> str:
        return f"revoked {obj.revoked_at:%Y-%m-%d}" if obj.revoked_at else "active"

    def _sees_all(self, request) -> bool:
        return role_of(request.user) == Role.ADMIN

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("owner")
        return qs if self._sees_all(request) else qs.filter(owner=request.user)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "owner" in form.base_fields and not self._sees_all(request):
            # Marketing ops create keys for themselves only: a key never outranks its creator.
            field = form.base_fields["owner"]
            field.queryset = field.queryset.filter(pk=request.user.pk)
            field.initial = request.user.pk
        return form

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("owner")  # a key stays with the user it was made for
        return fields

    def save_model(self, request, obj: ApiKey, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw = services.api_key_create(
            name=obj.name,
            owner=obj.owner,
            scopes=form.cleaned_data["scopes"],
            throttle_rate=obj.throttle_rate,
            created_by=request.user,
        )
        obj.pk = key.pk
        obj.prefix = key.prefix
        request._new_api_key = raw

    def response_add(self, request, obj: ApiKey, post_url_continue=None):
        raw = getattr(request, "_new_api_key", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        # The key is rendered into this one response and stored nowhere (not even a message).
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "api_key": obj,
            "raw_key": raw,
            "title": "API key created",
        }
        response = TemplateResponse(request, "integrations/apikey_created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke selected API keys")
    def revoke_keys(self, request, queryset) -> None:
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            services.api_key_revoke(api_key=key)
            count += 1
        self.message_user(request, f"Revoked {count} API key(s).", messages.SUCCESS)
