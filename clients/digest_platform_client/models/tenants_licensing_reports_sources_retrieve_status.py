from enum import StrEnum

class TenantsLicensingReportsSourcesRetrieveStatus(StrEnum):
    EXPIRED = "expired"
    LICENSED = "licensed"
    PENDING = "pending"
    REJECTED = "rejected"
    UNLICENSED = "unlicensed"

    def __str__(self) -> str:
        return str(self.value)
