from django.contrib import admin

from predictive.models import ContactPrediction, PredictiveModel


@admin.register(PredictiveModel)
class PredictiveModelAdmin(admin.ModelAdmin):
    list_display = ("version", "status", "algorithm", "source", "n_rows", "trained_at")
    list_filter = ("status", "source")
    exclude = ("pipeline",)
    readonly_fields = [
        f.name for f in PredictiveModel._meta.fields if f.name not in ("id", "pipeline")
    ]

    def has_add_permission(self, request) -> bool:
        return False  # versions are trained, not typed in


@admin.register(ContactPrediction)
class ContactPredictionAdmin(admin.ModelAdmin):
    list_display = ("contact", "probability", "model_version", "scored_at")
    raw_id_fields = ("contact", "model")
    readonly_fields = (
        "contact",
        "model",
        "model_version",
        "probability",
        "positive",
        "negative",
        "scored_at",
    )
