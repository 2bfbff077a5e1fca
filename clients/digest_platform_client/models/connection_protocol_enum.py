from enum import StrEnum

class ConnectionProtocolEnum(StrEnum):
    OIDC = "oidc"
    SAML = "saml"

    def __str__(self) -> str:
        return str(self.value)
