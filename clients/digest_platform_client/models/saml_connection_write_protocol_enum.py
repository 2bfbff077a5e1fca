from enum import StrEnum

class SamlConnectionWriteProtocolEnum(StrEnum):
    SAML = "saml"

    def __str__(self) -> str:
        return str(self.value)
