"""Choosing how one is told of each kind of notification."""

from __future__ import annotations

from typing import Any

from django import forms

from notifications.models import Delivery, Kind


class ChoicesForm(forms.Form):
    """One choice per kind: by email at once, in one email a day, or only in govsocial."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=Delivery.choices, widget=forms.RadioSelect
            )
