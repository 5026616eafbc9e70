"""Schemas shared by every router (English field names, Chinese descriptions)."""

from __future__ import annotations

from ninja import Field, Schema


class Ref(Schema):
    """A reference to a named object by its code."""

    code: str = Field(..., description="编码")
    name: str = Field(..., description="名称")


class ErrorOut(Schema):
    detail: str = Field(..., description="错误说明（中文）")


class FieldErrorsOut(Schema):
    """A refused write: nothing was saved."""

    detail: str = Field(..., description="错误说明（中文）")
    errors: dict[str, str] = Field(default_factory=dict, description="逐项的错误（字段或指标编码 → 说明）")


class ConflictOut(Schema):
    """Someone else saved in between (optimistic locking): nothing was saved."""

    detail: str = Field(..., description="冲突说明（中文）：谁在何时改了什么")
    current: dict[str, object] = Field(
        default_factory=dict, description="现在保存的内容（组织：lock_version 等字段；得分：指标编码 → 现值）"
    )
