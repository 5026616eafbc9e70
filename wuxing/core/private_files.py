"""What the app keeps under WUXING_VAR_DIR is readable by the account that runs it, and no one else.

The database (`wuxing.sqlite3` with its `-wal`/`-shm`), the secret key, uploaded evidence (`media/`) and
the batch commands' locks (`locks/`) are owner-only: files 0600, directories 0700. The processes that
create them (`wuxing` commands, the WSGI application) run with umask 077, so new files come out that way;
`secure_var_dir()` also tightens what an older version left more open. The one exception is `static/`:
collected CSS and JavaScript are public and the reverse proxy reads them as another account, so they are
0644/0755 and WUXING_VAR_DIR itself is 0711 (others may pass through to `static/`, not list or read
anything else).

Plain Python, no Django import: manage.py and wsgi.py call it before Django starts.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

PRIVATE_UMASK = 0o077
VAR_DIR_MODE = 0o711
PRIVATE_DIRS = ("media", "locks")
PUBLIC_DIRS = ("static",)
PROJECT_DIR = Path(__file__).resolve().parent.parent.parent


def default_var_dir() -> Path:
    """WUXING_VAR_DIR, or var/ in the project directory."""
    return Path(os.environ.get("WUXING_VAR_DIR") or PROJECT_DIR / "var")


def secure_var_dir(var_dir: Path) -> None:
    """Create WUXING_VAR_DIR if needed and take group/other access away from what must be private."""
    if not var_dir.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        var_dir.chmod(VAR_DIR_MODE)
    _tighten(var_dir, VAR_DIR_MODE)
    for entry in var_dir.iterdir():
        if entry.name in PUBLIC_DIRS or entry.is_symlink():
            continue
        if entry.is_dir():
            for root, dirs, files in os.walk(entry):
                _tighten(Path(root), 0o700)
                for name in files:
                    _tighten(Path(root) / name, 0o600)
                dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink()]
        elif entry.is_file():
            _tighten(entry, 0o600)


def _tighten(path: Path, allowed: int) -> None:
    """Remove the permission bits `allowed` does not grant (never adds any)."""
    mode = stat.S_IMODE(path.lstat().st_mode)
    if mode & ~allowed:
        path.chmod(mode & allowed)


def private_process(var_dir: Path | None = None) -> None:
    """For the entry points: new files owner-only from now on, and the existing ones made so."""
    os.umask(PRIVATE_UMASK)
    var_dir = var_dir or default_var_dir()
    try:
        secure_var_dir(var_dir)
    except OSError as exc:  # e.g. a read-only installation with SECRET_KEY and DATABASE_URL set
        print(f"wuxing: 无法检查或收紧 {var_dir} 的权限：{exc}", file=sys.stderr)
