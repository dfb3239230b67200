"""Imports every foundation table so that ``Base.metadata`` knows them all."""

from zeren.audit.models import AuditEvent
from zeren.auth.models import ApiToken, ConsoleSession, LoginThrottle, RoleGrant, User
from zeren.exemptions.models import Exemption, ExemptionEvent
from zeren.org.models import Department, Duty, Person
from zeren.platforms.models import Platform, PlatformFigures, TierAssessment
from zeren.posture.models import Attestation, EvidenceFile, EvidenceSnapshot

__all__ = [
    "ApiToken",
    "Attestation",
    "AuditEvent",
    "ConsoleSession",
    "Department",
    "Duty",
    "EvidenceFile",
    "EvidenceSnapshot",
    "Exemption",
    "ExemptionEvent",
    "LoginThrottle",
    "Person",
    "Platform",
    "PlatformFigures",
    "RoleGrant",
    "TierAssessment",
    "User",
]
