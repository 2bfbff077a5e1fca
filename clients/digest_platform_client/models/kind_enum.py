from enum import StrEnum

class KindEnum(StrEnum):
    ARTICLE = "article"
    EPISODE = "episode"
    FEED = "feed"
    VIDEO = "video"

    def __str__(self) -> str:
        return str(self.value)
