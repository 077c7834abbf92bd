from django.apps import apps
from django.contrib import admin, messages

from contacts.merging import contacts_merge
from contacts.models import (
    Activity,
    Company,
    Contact,
    ContactErasure,
    ContactIdentity,
    ContactMerge,
    ErasureVia,
    FollowsItsSubject,
    Outcome,
)
from contacts.privacy import contact_forget


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ["email", "first_name", "last_name", "job_title", "lifecycle_stage"]
    show_change_link = True
    extra = 0
    max_num = 0  # contacts are added from their own page; the inline lists them


class CompanyOutcomeInline(admin.TabularInline):
    model = Outcome
    fk_name = "company"
    fields = ["result", "decided_at", "lost_reason", "amount"]
    extra = 0


class SubjectDeleteMixin:
    """
    Deleting a contact or a company takes what was computed or logged about it (scores, their
    timelines, predictions, merge audits: models marked FollowsItsSubject) without asking for
    the permission to delete those on their own, which no role held for all of them: Marketing
    ops, who may delete contacts and companies, was refused for every scored one. Records
    people made or acted on (qualifications, assignments) still need their own permission.
    """

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        computed = {
            str(model._meta.verbose_name)
            for model in apps.get_models()
            if issubclass(model, FollowsItsSubject)
        }
        return deleted, counts, {p for p in perms_needed if str(p) not in computed}, protected


@admin.register(Company)
class CompanyAdmin(SubjectDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "domain", "industry", "employee_count", "annual_revenue", "country"]
    list_filter = ["industry", "country"]
    search_fields = ["name", "domain"]
    autocomplete_fields = ["account_owner"]
    inlines = [ContactInline, CompanyOutcomeInline]


class ActivityInline(admin.TabularInline):
    model = Activity
    fields = ["kind", "custom_kind", "occurred_at", "properties", "source", "external_id"]
    ordering = ["-occurred_at"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        # Only the latest few: a busy lead can have thousands of page views.
        qs = super().get_queryset(request)
        return qs.order_by("-occurred_at")


class ContactOutcomeInline(admin.TabularInline):
    model = Outcome
    fk_name = "contact"
    fields = ["result", "decided_at", "lost_reason", "amount"]
    extra = 0


class ContactIdentityInline(admin.TabularInline):
    model = ContactIdentity
    fields = ["source", "external_id", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0


@admin.register(Contact)
class ContactAdmin(SubjectDeleteMixin, admin.ModelAdmin):
    # Deleting a contact here erases their personal data everywhere, as the API and
    # `manage.py forget_contact` do (contacts.privacy.contact_forget).
    def delete_model(self, request, obj: Contact) -> None:
        contact_forget(contact=obj, by=request.user, via=ErasureVia.ADMIN)

    def delete_queryset(self, request, queryset) -> None:
        for contact in queryset:
            contact_forget(contact=contact, by=request.user, via=ErasureVia.ADMIN)

    list_display = [
        "email",
        "first_name",
        "last_name",
        "job_title",
        "company",
        "lifecycle_stage",
        "lead_source",
    ]
    list_filter = [
        "lifecycle_stage",
        "lead_source",
        "unsubscribed",
        "do_not_contact",
        "company__industry",
    ]
    search_fields = ["email", "first_name", "last_name", "company__name", "identities__external_id"]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "subscriber_at",
        "lead_at",
        "mql_at",
        "sal_at",
        "sql_at",
        "opportunity_at",
        "customer_at",
        "recycled_at",
        "disqualified_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["email", "first_name", "last_name", "job_title", "phone", "company"]}),
        ("Location (the company's when empty)", {"fields": ["country", "region", "city"]}),
        (
            "Marketing",
            {
                "fields": [
                    "lead_source",
                    "lead_source_raw",
                    "lifecycle_stage",
                    "do_not_contact",
                    "unsubscribed",
                    "properties",
                ]
            },
        ),
        ("Stage history", {"classes": ["collapse"], "fields": readonly_fields}),
    ]
    inlines = [ContactIdentityInline, ContactOutcomeInline, ActivityInline]
    actions = ["merge_selected"]

    @admin.action(
        description="Merge the selected contacts into the oldest one", permissions=["change"]
    )
    def merge_selected(self, request, queryset) -> None:
        contacts = list(queryset.order_by("created_at", "pk"))
        if len(contacts) < 2:
            self.message_user(request, "Select two or more contacts to merge.", messages.WARNING)
            return
        target, duplicates = contacts[0], contacts[1:]
        record = contacts_merge(target=target, duplicates=duplicates, merged_by=request.user)
        moved = ", ".join(
            f"{n} {label.split('.')[-1].lower()}" for label, n in record.moved.items()
        )
        self.message_user(
            request,
            f"Merged {len(duplicates)} contact(s) into {target} (#{target.pk}); moved: "
            f"{moved or 'nothing'}. The contact is rescored once.",
            messages.SUCCESS,
        )


@admin.register(ContactMerge)
class ContactMergeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "target", "merged_ids", "merged_by"]
    readonly_fields = ["target", "merged_ids", "merged_emails", "moved", "merged_by", "created_at"]
    raw_id_fields = ["target"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "custom_kind", "contact", "source"]
    list_filter = ["kind", "source"]
    search_fields = ["contact__email", "external_id"]
    list_select_related = ["contact"]
    raw_id_fields = ["contact"]
    date_hierarchy = "occurred_at"


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["decided_at", "result", "contact", "company", "lost_reason", "amount"]
    list_filter = ["result"]
    search_fields = ["contact__email", "company__name", "company__domain"]
    raw_id_fields = ["contact", "company"]
    readonly_fields = ["recorded_by"]


@admin.register(ContactErasure)
class ContactErasureAdmin(admin.ModelAdmin):
    """The erasure log: read-only, it holds no personal data."""

    list_display = ["erased_at", "contact_id", "erased_by", "via", "counts"]
    list_filter = ["via"]
    readonly_fields = ["contact_id", "erased_at", "erased_by", "via", "counts"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
