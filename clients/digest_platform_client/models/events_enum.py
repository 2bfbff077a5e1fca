from enum import StrEnum

class EventsEnum(StrEnum):
    DIGEST_ARCHIVED = "digest.archived"
    DIGEST_CREATED = "digest.created"
    DIGEST_DELETED = "digest.deleted"
    DIGEST_PUBLISHED = "digest.published"
    DIGEST_UPDATED = "digest.updated"
    LICENSE_EXPIRING = "license.expiring"

    def __str__(self) -> str:
        return str(self.value)
