"""Chinese by default, English through Django i18n, and a committed .mo that matches its .po.

The msgids are Chinese (docs/decisions.md §5); wuxing/locale/en holds the English catalogue. Both the .po
and the compiled .mo are committed, so a machine without GNU gettext still serves English.
"""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

LOGIN = "/accounts/login/"
TREE = "/orgs/tree/"


@pytest.fixture(autouse=True)
def _restore_language() -> Any:
    """The test client activates the response's language in this thread; leave it as we found it."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


# --- pages ---------------------------------------------------------------------------------------------


def test_default_language_is_chinese(client: Any, client_for: Any) -> None:
    login_page = client.get(LOGIN).content.decode()
    assert 'lang="zh-hans"' in login_page
    assert "用户名" in login_page and "Username" not in login_page

    tree = client_for("admin").get(TREE).content.decode()
    assert "组织架构" in tree and "星级评定" in tree
    assert "Organisation tree" not in tree and "Star ratings" not in tree


def test_set_language_switches_to_english(client_for: Any) -> None:
    client = client_for("admin")
    response = client.post("/i18n/setlang/", {"language": "en", "next": TREE})
    assert response.status_code == 302 and response["Location"] == TREE
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    tree = client.get(TREE).content.decode()
    assert 'lang="en"' in tree
    for english in ("Organisation tree", "Organisations", "Star ratings", "Log out", "Change password"):
        assert english in tree
    # Menu labels are English; organisation names are data and stay Chinese.
    assert ">组织架构<" not in tree and "彰北街道" in tree

    back = client.post("/i18n/setlang/", {"language": "zh-hans", "next": TREE})
    assert back.status_code == 302
    assert "组织架构" in client.get(TREE).content.decode()


def test_browser_language_is_ignored_and_the_cookie_selects_english(client: Any) -> None:
    # an English browser still gets Chinese: only the user's own choice changes the language
    by_header = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="zh-hans"' in by_header and "用户名" in by_header and "Username" not in by_header

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    by_cookie = client.get(LOGIN).content.decode()
    assert "Log in" in by_cookie and "Password" in by_cookie


def test_untranslated_strings_fall_back_to_chinese() -> None:
    with translation.override("en"):
        assert translation.gettext("组织架构") == "Organisation tree"
        assert translation.gettext("这句话没有英文翻译") == "这句话没有英文翻译"


# --- the committed catalogue ---------------------------------------------------------------------------


def _unquote(parts: list[str]) -> str:
    return "".join(ast.literal_eval(part) for part in parts)


def read_po(path: Path) -> dict[Any, str]:
    """Translated, non-fuzzy entries keyed like GNUTranslations._catalog keys them:
    msgid (with "ctx\\x04" in front when there is a msgctxt), or (msgid, n) for plural forms."""
    entries: list[dict[str, Any]] = []
    entry: dict[str, Any] = {}
    current: list[str] | None = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, current = {}, None
        elif line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert current is not None, f"{path}: continuation line without a keyword: {line}"
            current.append(line)
        else:
            keyword, _, rest = line.partition(" ")
            current = entry.setdefault(keyword, [])
            current.append(rest)
    catalogue: dict[Any, str] = {}
    for e in entries:
        msgid = _unquote(e["msgid"])
        if e.get("fuzzy") or msgid == "":  # fuzzy entries and the header are not translations
            continue
        if "msgctxt" in e:
            msgid = f"{_unquote(e['msgctxt'])}\x04{msgid}"
        if "msgid_plural" in e:
            forms = sorted(k for k in e if k.startswith("msgstr["))
            strs = [_unquote(e[k]) for k in forms]
            if all(strs):  # msgfmt drops plural entries with any empty form
                catalogue.update({(msgid, int(k[7:-1])): s for k, s in zip(forms, strs, strict=True)})
        else:
            msgstr = _unquote(e["msgstr"])
            if msgstr:
                catalogue[msgid] = msgstr
    return catalogue


def read_mo(path: Path) -> dict[Any, str]:
    with path.open("rb") as fh:
        catalogue = dict(gettext.GNUTranslations(fh)._catalog)  # type: ignore[attr-defined]
    catalogue.pop("", None)  # the header
    return catalogue


def test_po_and_mo_are_committed_together() -> None:
    assert PO.is_file(), f"{PO} is missing: run `make messages`"
    assert MO.is_file(), f"{MO} is missing: run `make messages` (or compilemessages -l en)"


def test_mo_matches_po() -> None:
    """Every non-fuzzy, non-empty translation in the .po is in the committed .mo, and nothing else is."""
    po, mo = read_po(PO), read_mo(MO)
    assert len(po) > 300, "the English catalogue is unexpectedly small"
    stale = {k: (v, mo.get(k)) for k, v in po.items() if mo.get(k) != v}
    assert not stale, f"django.mo is out of date with django.po (run `make messages`): {stale}"
    extra = sorted(map(str, mo.keys() - po.keys()))
    assert not extra, (
        f"django.mo has translations that django.po no longer has (run `make messages`): {extra}"
    )


def test_mo_is_what_msgfmt_makes_of_the_po(tmp_path: Path) -> None:
    """Cross-check the hand-written .po reader above against GNU msgfmt (what compilemessages runs)."""
    if shutil.which("msgfmt") is None:
        if os.environ.get("CI"):
            pytest.fail("msgfmt (GNU gettext) is required in CI to check the committed django.mo")
        pytest.skip("msgfmt (GNU gettext) is not installed; the .po/.mo comparison above still ran")
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(PO)], check=True)
    assert read_mo(fresh) == read_mo(MO), "django.mo is out of date with django.po (run `make messages`)"
    assert read_mo(fresh) == read_po(PO)


def test_translations_keep_their_placeholders() -> None:
    """A msgstr must use exactly the %(name)s placeholders of its msgid, or formatting breaks in English."""
    placeholder = re.compile(r"%\([a-z_]+\)s|%%")
    for key, msgstr in read_po(PO).items():
        msgid = key[0] if isinstance(key, tuple) else key
        assert sorted(set(placeholder.findall(msgid))) == sorted(set(placeholder.findall(msgstr))), (
            msgid,
            msgstr,
        )
