from enum import StrEnum

class TenantsLicensingSourcesListKind(StrEnum):
    ARTICLE = "article"
    EPISODE = "episode"
    FEED = "feed"
    VIDEO = "video"

    def __str__(self) -> str:
        return str(self.value)
