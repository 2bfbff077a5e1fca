from enum import StrEnum

class AnswerEnum(StrEnum):
    PERMITTED = "permitted"
    PROHIBITED = "prohibited"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return str(self.value)
