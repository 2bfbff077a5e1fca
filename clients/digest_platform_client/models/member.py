from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.user_summary import UserSummary





T = TypeVar("T", bound="Member")



@_attrs_define
class Member:
    """ 
        Attributes:
            id (int):
            user (UserSummary):
            role (str):
            joined_at (datetime.datetime):
            last_login (datetime.datetime | None): The person's last sign-in since they joined this tenant; null if none.
     """

    id: int
    user: UserSummary
    role: str
    joined_at: datetime.datetime
    last_login: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.user_summary import UserSummary # noqa: PLC0415
        id = self.id

        user = self.user.to_dict()

        role = self.role

        joined_at = self.joined_at.isoformat()

        last_login: None | str
        if isinstance(self.last_login, datetime.datetime):
            last_login = self.last_login.isoformat()
        else:
            last_login = self.last_login


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "user": user,
            "role": role,
            "joined_at": joined_at,
            "last_login": last_login,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.user_summary import UserSummary # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        user = UserSummary.from_dict(d.pop("user"))




        role = d.pop("role")

        joined_at = datetime.datetime.fromisoformat(d.pop("joined_at"))




        def _parse_last_login(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_login_type_0 = datetime.datetime.fromisoformat(data)



                return last_login_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_login = _parse_last_login(d.pop("last_login"))


        member = cls(
            id=id,
            user=user,
            role=role,
            joined_at=joined_at,
            last_login=last_login,
        )


        member.additional_properties = d
        return member

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
