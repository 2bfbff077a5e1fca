from enum import StrEnum

class OriginEnum(StrEnum):
    CONTRACT = "contract"
    MANUAL = "manual"
    OPEN_LICENSE = "open_license"
    PUBLISHED_TERMS = "published_terms"

    def __str__(self) -> str:
        return str(self.value)
