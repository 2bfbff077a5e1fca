from enum import StrEnum

class OidcConnectionWriteProtocolEnum(StrEnum):
    OIDC = "oidc"

    def __str__(self) -> str:
        return str(self.value)
