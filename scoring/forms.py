"""Forms for scoring pages (the admin has its own)."""

from __future__ import annotations

from django import forms

from scoring.models import ScoringModel


class LineCreateForm(forms.Form):
    """A new scoring model beside the others: its name and the version its first draft copies."""

    name = forms.CharField(
        max_length=100,
        help_text="A product line or region, e.g. “Enterprise” or “EMEA”.",
        widget=forms.TextInput(attrs={"class": "input"}),
    )
    description = forms.CharField(
        max_length=255, required=False, widget=forms.TextInput(attrs={"class": "input"})
    )
    source = forms.ModelChoiceField(
        queryset=ScoringModel.objects.none(),
        label="Start from",
        help_text="Its rules and thresholds are copied into the new model's first draft.",
        empty_label=None,
        widget=forms.Select(attrs={"class": "select"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = (
            ScoringModel.objects.filter(is_live=True)
            .select_related("line")
            .order_by("-line__is_default", "line__name")
        )
        self.fields["source"].label_from_instance = lambda m: f"{m.line.name} v{m.version} (live)"
