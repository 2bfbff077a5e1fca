from enum import StrEnum

class ActionEnum(StrEnum):
    HIDE = "hide"
    HIDE_FIELD = "hide_field"
    HIDE_SECTION = "hide_section"
    REDACT = "redact"

    def __str__(self) -> str:
        return str(self.value)
