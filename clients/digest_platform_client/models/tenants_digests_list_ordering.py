from enum import StrEnum

class TenantsDigestsListOrdering(StrEnum):
    PUBLISHED_ON = "published_on"
    VALUE_0 = "-published_on"

    def __str__(self) -> str:
        return str(self.value)
