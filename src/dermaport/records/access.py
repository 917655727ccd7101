"""Who may do what: the roles' permissions, and the actor every records function is called as.

Reception books appointments and keeps contact details; it sees no clinical data. A
practitioner sees and writes clinical data. An owner does everything, including accounts,
data-rights requests (export, erasure) and the audit trail. Every records function checks its
permission itself (fail closed), so the CLI and the API enforce the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dermaport.errors import PermissionDeniedError

__all__ = ["ROLE_PERMISSIONS", "Actor", "Permission"]


class Permission(StrEnum):
    """One kind of access to the records."""

    CONTACT_READ = "read contact details"
    CONTACT_WRITE = "write contact details"
    BOOKING_READ = "read bookings"
    BOOKING_WRITE = "write bookings"
    CLINICAL_READ = "read clinical records"
    CLINICAL_WRITE = "write clinical records"
    PRODUCT_READ = "read products"
    PRODUCT_WRITE = "write products"
    USER_ADMIN = "manage user accounts"
    DATA_RIGHTS = "export or erase a client's data"
    AUDIT_READ = "verify the audit trail"


_RECEPTION = frozenset(
    {
        Permission.CONTACT_READ,
        Permission.CONTACT_WRITE,
        Permission.BOOKING_READ,
        Permission.BOOKING_WRITE,
        Permission.PRODUCT_READ,
    }
)
_PRACTITIONER = _RECEPTION | {Permission.CLINICAL_READ, Permission.CLINICAL_WRITE, Permission.PRODUCT_WRITE}

#: What each role may do.
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "reception": _RECEPTION,
    "practitioner": frozenset(_PRACTITIONER),
    "owner": frozenset(Permission),
}


@dataclass(frozen=True)
class Actor:
    """The person (or local command) a records function acts for: named in every audit entry."""

    username: str
    role: str
    clinic_id: int
    user_id: int | None = None

    def may(self, permission: Permission) -> bool:
        """True when the actor's role allows ``permission``."""
        return permission in ROLE_PERMISSIONS.get(self.role, frozenset())

    def require(self, permission: Permission) -> None:
        """Raise :class:`PermissionDeniedError` unless the role allows ``permission``."""
        if not self.may(permission):
            raise PermissionDeniedError(
                f"user {self.username!r} ({self.role}) may not {permission.value}", username=self.username
            )
