from enum import StrEnum

class LicenseUseEnum(StrEnum):
    DISPLAY_INTERNALLY = "display_internally"
    DISTRIBUTE_INTERNALLY = "distribute_internally"
    QUOTE_EXCERPTS = "quote_excerpts"
    REDISTRIBUTE_EXTERNALLY = "redistribute_externally"
    SUMMARIZE = "summarize"
    TRAIN_MODELS = "train_models"

    def __str__(self) -> str:
        return str(self.value)
