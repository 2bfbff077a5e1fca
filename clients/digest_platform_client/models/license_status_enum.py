from enum import StrEnum

class LicenseStatusEnum(StrEnum):
    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    EXPIRED = "expired"
    NEEDS_INFORMATION = "needs_information"
    PENDING = "pending"
    REJECTED = "rejected"

    def __str__(self) -> str:
        return str(self.value)
