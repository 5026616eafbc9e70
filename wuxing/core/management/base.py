"""Base class for wuxing's batch commands: shared arguments, acting user and scoping, a lock."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
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
    def lock(self, name: str | None = None) -> Iterator[Path]:
        """Two copies of the same batch job never run together on one installation (see command_lock)."""
        with command_lock(name or self.lock_name or "command") as path:
            yield path


@contextmanager
def command_lock(name: str) -> Iterator[Path]:
    """An exclusive lock named `name` for this installation: a file under WUXING_VAR_DIR/locks/.

    Two checkouts or installations on one host have two var directories, hence two locks; every process
    of one installation sees the same file. The lock is the kernel's (flock), held while the file is
    open, so it is released when the job ends however it ends — a crashed job leaves no stale lock.
    """
    directory = Path(settings.VAR_DIR) / "locks"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / f"{name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            raise CommandError(
                f"同名任务正在运行（进程 {holder or '未知'}，锁文件 {path}），请等它结束后再运行"
            ) from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)


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
