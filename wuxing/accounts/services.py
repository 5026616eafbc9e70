"""Every write to accounts and API tokens: check authority, one transaction, history and decision log.

Passwords are only ever returned to the caller (to be shown once); nothing stores them in plain text.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from wuxing.accounts.models import ApiToken, Role, User
from wuxing.core.excel import Column, Sheet, build_workbook
from wuxing.core.services import log_decision, real_user, require_perm, save_with_history
from wuxing.orgs.models import DispatchedUnit, OrgUnit, Person, Post, PostRole
from wuxing.orgs.queries import current_posts_q

# Letters and digits that cannot be confused with each other when read aloud or copied by hand.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 12
# A web request creates at most this many accounts: PBKDF2 costs ~0.3 s per password per core, so 150 take
# ~20 s on two cores (a whole district of ~112 branches in one go). The command has no limit.
WEB_BATCH_LIMIT = 150

ROLES_WITH_ORG = {Role.STREET_STAFF, Role.SECRETARY}


@dataclass
class NewAccount:
    """A freshly created account and its initial password (to be shown once, never stored)."""

    user: User
    password: str
    org: OrgUnit | None = None


def generate_password(user: User | None = None) -> str:
    """A random password that passes the configured password validators."""
    while True:
        candidate = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
        if not (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
        ):
            continue
        try:
            password_validation.validate_password(candidate, user)
        except ValidationError:
            continue
        return candidate


def hash_passwords(passwords: list[str]) -> list[str]:
    """Hash each password once with Django's configured hasher, in parallel threads.

    PBKDF2 runs in OpenSSL and releases the GIL, so a batch of a few hundred accounts takes
    (accounts × one hash) ÷ CPU cores instead of minutes.
    """
    if len(passwords) <= 1:
        return [make_password(p) for p in passwords]
    workers = max(1, min(len(passwords), os.cpu_count() or 1, 8))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(make_password, passwords))


def _normalise_scope(user: User) -> None:
    """Keep only the scope fields the role uses (a leader has neither an organisation nor a unit)."""
    if user.role not in ROLES_WITH_ORG:
        user.scope_org = None
    if user.role != Role.UNIT:
        user.unit = None


def _check_username_free(username: str, exclude_pk: int | None = None) -> None:
    qs = User.objects.filter(username__iexact=username)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationError({"username": f"用户名“{username}”已被使用"})


def _describe_scope(user: User) -> str:
    if user.scope_org_id and user.scope_org is not None:
        return user.scope_org.name
    if user.unit_id and user.unit is not None:
        return user.unit.name
    return "全区"


def _state(user: User) -> str:
    return f"{user.get_role_display()}·{_describe_scope(user)}"


@transaction.atomic
def create_user(
    actor: Any,
    *,
    username: str,
    role: str,
    full_name: str = "",
    scope_org: OrgUnit | None = None,
    unit: DispatchedUnit | None = None,
    person: Person | None = None,
    password: str | None = None,
    reason: str = "",
) -> NewAccount:
    """Create one account. Without `password` a random one is generated; either way the user must change
    it at first login. Returns the account and the initial password (show it once)."""
    require_perm(actor, "accounts.manage")
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": "用户名不能为空"})
    _check_username_free(username)
    if person is None and role == Role.SECRETARY and scope_org is not None:
        # a secretary account speaks for the organisation's current secretary (also keeps the bulk
        # page from offering a second account for the same person)
        post = (
            Post.objects.filter(org=scope_org, role=PostRole.SECRETARY)
            .filter(current_posts_q())
            .select_related("person")
            .order_by("-start_date")
            .first()
        )
        person = post.person if post else None
    user = User(
        username=username,
        full_name=(full_name or "").strip(),
        role=role,
        scope_org=scope_org,
        unit=unit,
        person=person,
        must_change_password=True,
    )
    _normalise_scope(user)
    if password:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
    else:
        password = generate_password(user)
    user.set_password(password)
    save_with_history(user, actor, reason or "新建账号")
    log_decision(user, "account_created", actor, to_state=_state(user), comment=reason)
    return NewAccount(user=user, password=password, org=user.scope_org)


@transaction.atomic
def update_user(
    actor: Any,
    user: User,
    *,
    full_name: str,
    role: str,
    scope_org: OrgUnit | None = None,
    unit: DispatchedUnit | None = None,
    reason: str = "",
) -> User:
    """Change an account's name, role and scope."""
    require_perm(actor, "accounts.manage")
    before = _state(user)
    if user.pk == getattr(actor, "pk", None) and role != user.role:
        raise ValidationError({"role": "不能修改自己账号的角色，请由其他管理员操作"})
    user.full_name = (full_name or "").strip()
    user.role = role
    user.scope_org = scope_org
    user.unit = unit
    _normalise_scope(user)
    save_with_history(user, actor, reason or "修改账号")
    after = _state(user)
    log_decision(user, "account_updated", actor, from_state=before, to_state=after, comment=reason)
    return user


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写原因"})
    return reason


@transaction.atomic
def deactivate_user(actor: Any, user: User, reason: str) -> User:
    """Stop an account: it can no longer log in, its sessions end and its API tokens are revoked."""
    require_perm(actor, "accounts.manage")
    reason = _require_reason(reason)
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError("不能停用自己的账号")
    if not user.is_active:
        raise ValidationError("该账号已是停用状态")
    user.is_active = False
    save_with_history(user, actor, reason)
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    comment = reason + (f"（同时作废 {revoked} 个 API 令牌）" if revoked else "")
    log_decision(user, "account_deactivated", actor, from_state="启用", to_state="停用", comment=comment)
    return user


@transaction.atomic
def reactivate_user(actor: Any, user: User, reason: str) -> User:
    require_perm(actor, "accounts.manage")
    reason = _require_reason(reason)
    if user.is_active:
        raise ValidationError("该账号已是启用状态")
    user.is_active = True
    save_with_history(user, actor, reason)
    log_decision(user, "account_reactivated", actor, from_state="停用", to_state="启用", comment=reason)
    return user


@transaction.atomic
def reset_password(actor: Any, user: User, reason: str = "") -> str:
    """Give the account a new random password (returned, to be shown once) that must be changed at next
    login; any login lockout of that username is lifted."""
    require_perm(actor, "accounts.manage")
    password = generate_password(user)
    user.set_password(password)
    user.must_change_password = True
    save_with_history(user, actor, reason or "重置密码")
    log_decision(user, "password_reset", actor, comment=reason or "管理员重置密码")
    _unlock(user.username)
    return password


def _unlock(username: str) -> None:
    from axes.utils import reset

    reset(username=username)


# -------------------------------------------------------------------------------------------------------
# Accounts for the secretaries already in the registry
# -------------------------------------------------------------------------------------------------------


def secretary_username(org_code: str, taken: set[str]) -> str:
    """`sj_<org code lowercase>`, with -2, -3 … appended while the name is taken (case-insensitive)."""
    base = f"sj_{org_code.strip().lower()}"
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def create_secretary_accounts(
    actor: Any,
    org_ids: Iterable[int] | None = None,
    *,
    street: OrgUnit | None = None,
    reason: str = "",
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[NewAccount]:
    """Create a secretary account for each selected branch whose current secretary has none yet.

    The candidates are recomputed here from the registry (scoped to `actor`), so a stale or forged
    selection cannot create anything else. `org_ids=None` means every candidate (of `street`).
    Usernames are `sj_<org code>`; each account gets its own random password (returned, never stored).
    The passwords are hashed before the transaction starts, so the slow part never holds the database's
    write lock; inside it the candidates are checked again and the accounts written.
    """
    from wuxing.accounts import queries

    require_perm(actor, "accounts.manage")
    candidates = queries.secretary_candidates(actor, street)
    if org_ids is not None:
        candidates = candidates.filter(pk__in=list(org_ids))
    orgs = list(candidates)
    if limit is not None and len(orgs) > limit:
        raise ValidationError(
            f"一次最多创建 {limit} 个账号（已选 {len(orgs)} 个）；"
            "请分批提交，或在服务器上运行 wuxing create_secretary_accounts"
        )
    if not orgs:
        return []
    passwords = [generate_password() for _ in orgs]
    hashes = hash_passwords(passwords)
    reason = reason or "为现任书记批量创建账号"
    created: list[NewAccount] = []
    with transaction.atomic():
        # Another administrator may have created some of these accounts meanwhile.
        still_missing = set(candidates.values_list("pk", flat=True))
        todo = [(o, p, h) for o, p, h in zip(orgs, passwords, hashes, strict=True) if o.pk in still_missing]
        people = Person.objects.in_bulk([o.secretary_person_id for o, _p, _h in todo])
        taken = {
            u.lower()
            for u in User.objects.filter(username__istartswith="sj_").values_list("username", flat=True)
        }
        for idx, (org, password, hashed) in enumerate(todo, start=1):
            person = people[org.secretary_person_id]
            username = secretary_username(org.code, taken)
            taken.add(username.lower())
            user = User(
                username=username,
                full_name=person.name,
                role=Role.SECRETARY,
                scope_org=org,
                person=person,
                must_change_password=True,
                password=hashed,
            )
            save_with_history(user, actor, reason)
            log_decision(user, "account_created", actor, to_state=_state(user), comment=reason)
            created.append(NewAccount(user=user, password=password, org=org))
            if progress is not None:
                progress(idx, len(todo))
    return created


# -------------------------------------------------------------------------------------------------------
# API tokens
# -------------------------------------------------------------------------------------------------------


@transaction.atomic
def issue_token(actor: Any, name: str) -> tuple[ApiToken, str]:
    """Issue a personal API token for `actor` itself.

    The raw token is returned once; only its hash is kept."""
    user = real_user(actor)
    if user is None or not user.is_active:
        raise PermissionDenied("您没有权限执行此操作")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写令牌用途"})
    token, raw = ApiToken.issue(user, name[:100])
    log_decision(user, "token_issued", actor, comment=f"{token.name}（{token.prefix}…）")
    return token, raw


@transaction.atomic
def revoke_token(actor: Any, token: ApiToken, reason: str = "") -> ApiToken:
    """Revoke a token: its owner may revoke their own; the district may revoke anybody's."""
    if token.user_id != getattr(actor, "pk", None):
        require_perm(actor, "accounts.manage")
    if token.revoked_at is not None:
        raise ValidationError("该令牌已作废")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    comment = f"{token.name}（{token.prefix}…）" + (f"：{reason}" if reason else "")
    log_decision(token.user, "token_revoked", actor, comment=comment)
    return token


SECRETARY_ACCOUNT_COLUMNS = [
    Column("street", "街道/镇"),
    Column("code", "组织编码"),
    Column("org", "组织名称", width=24),
    Column("name", "书记姓名"),
    Column("username", "用户名", width=20),
    Column("password", "初始密码", width=18),
]


def secretary_account_rows(created: Iterable[NewAccount]) -> list[list[str]]:
    """One row per new secretary account, in SECRETARY_ACCOUNT_COLUMNS order (passwords in plain text:
    shown once, never stored)."""
    return [
        [
            getattr(a.org, "street_name", "") or "",
            a.org.code if a.org else "",
            a.org.name if a.org else "",
            a.user.full_name,
            a.user.username,
            a.password,
        ]
        for a in created
    ]


def secretary_accounts_sheets(created: Iterable[NewAccount]) -> list[Sheet]:
    return [Sheet("书记账号", SECRETARY_ACCOUNT_COLUMNS, secretary_account_rows(created))]


def secretary_accounts_workbook(created: Iterable[NewAccount]) -> bytes:
    return build_workbook(secretary_accounts_sheets(created))
