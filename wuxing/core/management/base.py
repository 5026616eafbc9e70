"""Base class for wuxing's batch commands: shared arguments, acting user and scoping, a lock."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class WuxingCommand(BaseCommand):
    """Commands act as a named user (`--user`), so the same scoping and authority as the UI apply.

    Without `--user` a command runs as the system (whole district), which is what an operator on the
    server expects; every write still goes through the services and is recorded.
    """

    requires_user = False
    lock_name: str | None = None

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user",
            dest="acting_user",
            help="以该账号的身份和权限范围执行（用户名）",
            required=self.requires_user,
        )

    def acting_user(self, options: dict[str, Any]) -> Any:
        from wuxing.accounts.models import User

        username = options.get("acting_user")
        if not username:
            return system_user()
        try:
            user = User.objects.select_related("scope_org", "unit").get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"找不到账号“{username}”") from exc
        if not user.is_active:
            raise CommandError(f"账号“{username}”已停用")
        return user

    @contextmanager
    def lock(self, name: str | None = None) -> Any:
        """A simple exclusive lock file so two copies of the same batch job never run together."""
        path = Path(tempfile.gettempdir()) / f"wuxing-{name or self.lock_name or 'command'}.lock"
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError as exc:
            raise CommandError(f"同名任务正在运行（锁文件 {path}）；如确认没有在运行，请删除该文件") from exc
        try:
            os.write(fd, str(os.getpid()).encode())
            yield
        finally:
            os.close(fd)
            path.unlink(missing_ok=True)


class SystemUser:
    """The acting identity of server-side batch jobs run without --user: the whole district."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    is_anonymous = False
    role = "district_admin"
    scope_org_id = None
    unit_id = None
    pk = None
    username = "system"

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return True

    def __str__(self) -> str:
        return "系统"


def system_user() -> SystemUser:
    return SystemUser()
