"""Schemas shared by every router (English field names, Chinese descriptions)."""

from __future__ import annotations

from ninja import Field, Schema


class Ref(Schema):
    """A reference to a named object by its code."""

    code: str = Field(..., description="编码")
    name: str = Field(..., description="名称")


class ErrorOut(Schema):
    detail: str = Field(..., description="错误说明（中文）")
