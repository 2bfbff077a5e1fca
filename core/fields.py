"""Request fields whose 400s say what would have been accepted."""

from __future__ import annotations

from rest_framework import serializers


def choices_text(choices) -> str:
    """The accepted values of a choice field or filter, in their order, for a message."""
    return ", ".join(str(value) for value in choices if value != "")


class ChoiceField(serializers.ChoiceField):
    """DRF's ChoiceField, whose refusal lists the valid choices: a client that sent
    `approve` learns from the 400 itself that `approved` is the word."""

    default_error_messages = {
        "invalid_choice": '"{input}" is not a valid choice; use one of: {choices}.'
    }

    def fail(self, key, **kwargs):
        if key == "invalid_choice":
            kwargs["choices"] = choices_text(self.choices)
        super().fail(key, **kwargs)
