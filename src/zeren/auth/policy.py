"""The authorisation policy: roles, the permissions they carry, and the ``Actor`` that every
route and command asks about. Decided here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from zeren.errors import Forbidden


@dataclass(frozen=True)
class RoleInfo:
    name: str
    zh: str
    en: str
    patterns: tuple[str, ...]


@lru_cache(maxsize=1)
def roles() -> dict[str, RoleInfo]:
    raw: dict[str, Any] = yaml.safe_load(
        resources.files("zeren.auth").joinpath("data/policy.yaml").read_text("utf-8")
    )
    out: dict[str, RoleInfo] = {}
    for name, spec in raw["roles"].items():
        out[name] = RoleInfo(name, spec["zh"], spec["en"], tuple(spec["permissions"]))
    return out


ROLE_NAMES: tuple[str, ...] = (
    "admin",
    "compliance_officer",
    "moderator",
    "merchant_ops",
    "auditor",
    "regulator",
    "api_client",
)


def role_allows(role: str, permission: str) -> bool:
    """Whether ``role`` carries ``permission`` (glob patterns in policy.yaml)."""
    info = roles().get(role)
    if info is None:
        return False
    return any(fnmatchcase(permission, pat) for pat in info.patterns)


@dataclass(frozen=True)
class Grant:
    role: str
    platform_id: str | None  # None: the whole group


@dataclass(frozen=True)
class Actor:
    """Who is acting: a console user, an API token's user, or the system itself."""

    user_id: str
    username: str
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    via: str = "session"

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(sorted({g.role for g in self.grants}))

    @property
    def platform_ids(self) -> tuple[str, ...] | None:
        """Platforms this actor may see; None when some grant covers the whole group."""
        if any(g.platform_id is None for g in self.grants):
            return None
        return tuple(sorted({g.platform_id for g in self.grants if g.platform_id}))

    def platforms_for(self, permission: str) -> tuple[str, ...] | None:
        """Platforms on which this actor holds ``permission``; None when a group-wide grant
        holds it (every platform)."""
        ids: set[str] = set()
        for g in self.grants:
            if role_allows(g.role, permission):
                if g.platform_id is None:
                    return None
                ids.add(g.platform_id)
        return tuple(sorted(ids))

    def can_group_wide(self, permission: str) -> bool:
        """Whether a group-wide grant carries ``permission``."""
        return any(g.platform_id is None and role_allows(g.role, permission) for g in self.grants)

    def can(self, permission: str, platform_id: str | None = None) -> bool:
        for g in self.grants:
            if not role_allows(g.role, permission):
                continue
            if platform_id is None:
                # An action not tied to one platform needs the permission somewhere; actions
                # across the group (creating platforms, users) need it group-wide.
                if g.platform_id is None or not _is_group_permission(permission):
                    return True
            elif g.platform_id is None or g.platform_id == platform_id:
                return True
        return False

    def require(self, permission: str, platform_id: str | None = None) -> None:
        if not self.can(permission, platform_id):
            where = f" on platform {platform_id}" if platform_id else ""
            raise Forbidden(
                f"{self.username} may not {permission}{where}",
                details={"permission": permission, "platform_id": platform_id},
            )

    def check_platform(self, platform_id: str) -> None:
        """Refuse if this actor has no grant covering ``platform_id``."""
        ids = self.platform_ids
        if ids is not None and platform_id not in ids:
            raise Forbidden(
                f"{self.username} has no access to platform {platform_id}",
                details={"platform_id": platform_id},
            )


@lru_cache(maxsize=1)
def _group_permissions() -> frozenset[str]:
    raw: dict[str, Any] = yaml.safe_load(
        resources.files("zeren.auth").joinpath("data/policy.yaml").read_text("utf-8")
    )
    return frozenset(raw.get("group_permissions", []))


def _is_group_permission(permission: str) -> bool:
    return permission in _group_permissions()


SYSTEM = Actor(user_id="system", username="system", grants=(Grant("admin", None),), via="system")
