"""Evidence bundles (证据包) for an engagement: one zip an auditor checks offline with
``zeren-verify bundle``. It holds the posture's evidence snapshots of the period, the
attestations in force in it with their evidence files, the engagement's findings, each ledger
log's signed checkpoints at the period's start and end with the consistency proof between
them, and an inclusion proof (against the period's end) for every record it cites; a manifest
names every file by SHA-256 and is signed by the platform's bundle key."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.assessment import domain as d
from zeren.assessment.models import Engagement, EvidenceBundle, Finding
from zeren.assessment.schemas import BundleIn
from zeren.assessment.services.engagements import get, require_access
from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import new_id, utcnow
from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.ledger import store
from zeren.ledger.integrator import LogInfo
from zeren.ledger.keys import key_file_name, write_key_file
from zeren.ledger.personal import origin_prefix
from zeren.ledger.service import entry_json
from zeren.ledger.verify import (
    BUNDLE_FORMAT,
    BUNDLE_MANIFEST,
    BUNDLE_SIGNATURE,
    Note,
    bundle_signed_text,
    make_verifier,
    raw_public_key,
    sign_note_text,
)
from zeren.platforms.models import Platform
from zeren.posture.models import Attestation, EvidenceFile, EvidenceSnapshot
from zeren.posture.service import evidence_path

# ----------------------------------------------------------------------- the platform's key


def bundle_key_path(data_dir: Path) -> Path:
    return Path(data_dir) / "assessment" / "bundle.ed25519"


def bundle_key_name() -> str:
    return f"{origin_prefix()}/evidence-bundles"


def bundle_signing_key(data_dir: Path) -> Ed25519PrivateKey:
    """The installation's evidence-bundle key, created (atomically, mode 0600) on first use."""
    path = bundle_key_path(data_dir)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        write_key_file(path, Ed25519PrivateKey.generate().private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()))
    seed = path.read_bytes()
    if len(seed) != 32:
        raise Conflict(f"bundle signing key file {path} is damaged")
    return Ed25519PrivateKey.from_private_bytes(seed)


def bundle_vkey(data_dir: Path) -> str:
    """The verifier key an auditor pins to check bundles (``zeren-verify bundle --vkey``)."""
    key = bundle_signing_key(data_dir)
    return make_verifier(bundle_key_name(), raw_public_key(key.public_key())).vkey


def bundle_file(data_dir: Path, bundle_id: str) -> Path:
    return Path(data_dir) / "assessment" / "bundles" / f"{bundle_id}.zip"


# ----------------------------------------------------------------------- building


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1,
                      default=str).encode("utf-8")


@dataclass
class _Zip:
    zf: zipfile.ZipFile
    files: list[dict[str, Any]] = field(default_factory=list)

    def add(self, path: str, data: bytes, kind: str) -> None:
        info = zipfile.ZipInfo(path, date_time=(2000, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zf.writestr(info, data)
        self.files.append({"path": path, "sha256": hashlib.sha256(data).hexdigest(),
                           "size": len(data), "kind": kind})


def _log_dir(name: str) -> str:
    return "ledger/" + key_file_name(name).removesuffix(".ed25519")


@dataclass(frozen=True)
class _Cite:
    log: str
    index: int
    why: str


def _citations(session: Session, e: Engagement, data: BundleIn,
               ends: dict[str, tuple[LogInfo, int, int]]) -> list[_Cite]:
    """The records the bundle proves: those the engagement's findings cite, those asked for,
    and a sample of the platform's records of the period drawn from the auditor's seed."""
    wanted: list[tuple[str, str]] = []
    for f in session.scalars(select(Finding).where(Finding.engagement_id == e.id)
                             .order_by(Finding.number)):
        wanted += [(ref, f"finding {f.number}") for ref in f.evidence_refs]
    wanted += [(ref, "asked") for ref in data.cite]
    out: dict[tuple[str, int], _Cite] = {}
    for i, (ref, why) in enumerate(wanted):
        where = f"cite[{i - (len(wanted) - len(data.cite))}]" if why == "asked" else why
        parsed = d.parse_ledger_ref(ref)
        if parsed is None:
            raise InvalidInput(f"{ref!r} is not ledger:<log>#<index>", field=where)
        log, index = parsed
        if log not in ends:
            raise InvalidInput(f"log {log} has no checkpoint in the engagement's period",
                               field=where)
        info, _start, end = ends[log]
        if index >= end:
            raise InvalidInput(f"record {index} of {log} was not logged by the period's end "
                               f"({end} records)", field=where)
        rec = entry_json(store.get_entry(session=session, log=info, index=index))
        if rec.get("platform_id") not in (None, e.platform_id):
            raise InvalidInput(f"record {index} of {log} belongs to another platform: outside "
                               "the engagement's scope", field=where)
        out.setdefault((log, index), _Cite(log, index, why))
    if data.sample:
        per_log = max(1, data.sample // max(1, len(ends)))
        seed = data.seed or e.id
        for log, (info, start, end) in sorted(ends.items()):
            got = 0
            for index in d.sample_indexes(seed=f"{seed}/{log}", lo=start, hi=end,
                                          n=min(end - start, per_log * 4)):
                if got >= per_log:
                    break
                if (log, index) in out:
                    continue  # already cited: the sample draws other records
                rec = entry_json(store.get_entry(session=session, log=info, index=index))
                if rec.get("platform_id") == e.platform_id:
                    out[(log, index)] = _Cite(log, index, "sample")
                    got += 1
    return sorted(out.values(), key=lambda c: (c.log, c.index))


def build(*, session: Session, actor: Actor, engagement_id: str, data: BundleIn,
          data_dir: Path, now: datetime | None = None) -> EvidenceBundle:
    """Build, sign and keep the engagement's evidence bundle; refuse a period in which the
    ledger signed no checkpoint (nothing would vouch for it)."""
    e = get(session=session, actor=actor, engagement_id=engagement_id)
    require_access(actor, e)
    now = now or utcnow()
    start, end = e.period_start, e.period_end
    ends: dict[str, tuple[LogInfo, int, int]] = {}
    logs: list[dict[str, Any]] = []
    signed_in_period = 0
    plan: list[tuple[LogInfo, store.StoredCheckpoint, store.StoredCheckpoint]] = []
    for info, _newest in store.list_logs(session=session):
        cp_end = store.checkpoint_as_of(session=session, log=info, at=end)
        if cp_end is None:
            continue  # the log began after the period
        cp_start = store.checkpoint_as_of(session=session, log=info, at=start)
        if cp_start is None:  # the log began inside the period: from its empty tree
            cp_start = store.checkpoint_at(session=session, log=info, size=0)
        signed_in_period += store.checkpoints_signed(session=session, log=info, start=start,
                                                     end=end)
        plan.append((info, cp_start, cp_end))
        ends[info.name] = (info, cp_start.size, cp_end.size)
    if signed_in_period == 0:
        raise InvalidInput(
            f"the ledger signed no checkpoint between {start.isoformat()} and "
            f"{end.isoformat()}: no bundle can prove what was recorded in this period",
            field="period")
    cites = _citations(session, e, data, ends)
    platform = session.get(Platform, e.platform_id)
    assert platform is not None
    bundle = EvidenceBundle(id=new_id(), engagement_id=e.id, platform_id=e.platform_id,
                            sha256="", size=0, summary={}, built_by=actor.username)
    out = bundle_file(data_dir, bundle.id)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w") as zf:
        z = _Zip(zf)
        for info, cp_start, cp_end in plan:
            base = _log_dir(info.name)
            z.add(f"{base}/checkpoint-start", cp_start.note.encode(), "checkpoint")
            z.add(f"{base}/checkpoint-end", cp_end.note.encode(), "checkpoint")
            proof = store.consistency(session=session, log=info, size1=cp_start.size,
                                      size2=cp_end.size)
            z.add(f"{base}/consistency.json", _json(
                {"from": cp_start.size, "to": cp_end.size,
                 "proof": [base64.b64encode(p).decode() for p in proof.proof]}), "proof")
            logs.append({"name": info.name, "origin": info.origin,
                         "vkey": store.verifier(info).vkey,
                         "start": {"size": cp_start.size, "checkpoint": f"{base}/checkpoint-start",
                                   "signed_at": cp_start.created_at.isoformat()},
                         "end": {"size": cp_end.size, "checkpoint": f"{base}/checkpoint-end",
                                 "signed_at": cp_end.created_at.isoformat()},
                         "consistency": f"{base}/consistency.json"})
        citations = []
        for c in cites:
            info, _s, size = ends[c.log]
            inc = store.inclusion(session=session, log=info, index=c.index, size=size)
            path = f"{_log_dir(c.log)}/inclusion/{c.index}.json"
            z.add(path, _json({"index": c.index, "size": size,
                               "entry": base64.b64encode(inc.entry).decode(),
                               "proof": [base64.b64encode(p).decode() for p in inc.proof]}),
                  "proof")
            citations.append({"log": c.log, "index": c.index, "proof": path, "why": c.why,
                              "entry_sha256": hashlib.sha256(inc.entry).hexdigest()})
        snaps = session.scalars(
            select(EvidenceSnapshot).where(EvidenceSnapshot.platform_id == e.platform_id,
                                           EvidenceSnapshot.evaluated_at >= start,
                                           EvidenceSnapshot.evaluated_at <= end)
            .order_by(EvidenceSnapshot.evaluated_at, EvidenceSnapshot.check_key))
        lines = [json.dumps({"id": s.id, "evaluation_id": s.evaluation_id,
                             "evaluated_at": s.evaluated_at.isoformat(),
                             "obligation": s.check_key, "article": s.article,
                             "status": s.status, "reason": s.reason, "figures": s.figures,
                             "inputs": s.inputs}, ensure_ascii=False, sort_keys=True,
                            default=str) for s in snaps]
        z.add("posture/snapshots.jsonl", ("\n".join(lines) + "\n" if lines else "").encode(),
              "posture_snapshots")
        atts = list(session.scalars(
            select(Attestation).where(Attestation.platform_id == e.platform_id,
                                      Attestation.valid_from <= end,
                                      Attestation.valid_until >= start)
            .order_by(Attestation.created_at)))
        att_rows = []
        for a in atts:
            files = list(session.scalars(select(EvidenceFile)
                                         .where(EvidenceFile.attestation_id == a.id)))
            for f in files:
                src = evidence_path(Path(data_dir), f.sha256)
                if not src.exists():
                    raise Conflict(f"evidence file {f.filename} ({f.sha256}) of attestation "
                                   f"{a.id} is missing from the data folder",
                                   details={"attestation_id": a.id, "sha256": f.sha256})
                z.add(f"attestations/files/{f.sha256}", src.read_bytes(), "evidence_file")
            att_rows.append({"id": a.id, "obligation": a.check_key, "article": a.article,
                             "statement": a.statement, "attested_by": a.attested_by,
                             "valid_from": a.valid_from.isoformat(),
                             "valid_until": a.valid_until.isoformat(),
                             "files": [{"filename": f.filename, "sha256": f.sha256,
                                        "path": f"attestations/files/{f.sha256}"}
                                       for f in files]})
        z.add("attestations/attestations.json", _json(att_rows), "attestations")
        findings = session.scalars(select(Finding).where(Finding.engagement_id == e.id)
                                   .order_by(Finding.number))
        z.add("findings.json", _json([
            {"number": f.number, "obligation": f.obligation_key, "article": f.article,
             "title": f.title, "evidence": f.evidence, "evidence_refs": f.evidence_refs,
             "severity": f.severity, "recommendation": f.recommendation, "owner": f.owner,
             "due_on": f.due_on.isoformat(), "status": f.status} for f in findings]),
              "findings")
        manifest = {
            "format": BUNDLE_FORMAT,
            "engagement": {"id": e.id, "title": e.title, "scope": e.scope,
                           "platform": {"id": platform.id, "code": platform.code,
                                        "name": platform.name},
                           "auditor": e.auditor_name,
                           "period": {"start": start.isoformat(), "end": end.isoformat()}},
            "built_at": now.isoformat(), "built_by": actor.username,
            "files": z.files, "logs": logs, "citations": citations,
        }
        manifest_bytes = _json(manifest)
        zf.writestr(BUNDLE_MANIFEST, manifest_bytes)
        key = bundle_signing_key(Path(data_dir))
        text = bundle_signed_text(manifest_bytes)
        sig = sign_note_text(text, name=bundle_key_name(), private_key=key)
        zf.writestr(BUNDLE_SIGNATURE, Note(text, [sig]).encode())
    h = hashlib.sha256()
    with open(tmp, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    tmp.replace(out)
    bundle.sha256, bundle.size = h.hexdigest(), out.stat().st_size
    session.add(bundle)
    bundle.summary = {"files": len(z.files), "logs": len(logs), "citations": len(citations),
                      "snapshots": len(lines), "attestations": len(att_rows),
                      "checkpoints_signed_in_period": signed_in_period,
                      "vkey": bundle_vkey(Path(data_dir))}
    session.flush()
    record(session=session, actor=actor, action="assessment.bundle.build",
           target_type="evidence_bundle", target_id=bundle.id, platform_id=e.platform_id,
           summary={"engagement_id": e.id, "sha256": bundle.sha256, **bundle.summary})
    return bundle


def bundles(*, session: Session, actor: Actor, engagement_id: str) -> list[EvidenceBundle]:
    e = get(session=session, actor=actor, engagement_id=engagement_id)
    return list(session.scalars(select(EvidenceBundle).where(EvidenceBundle.engagement_id == e.id)
                                .order_by(EvidenceBundle.created_at.desc())))


def open_bundle(*, session: Session, actor: Actor, engagement_id: str, bundle_id: str,
                data_dir: Path) -> tuple[EvidenceBundle, Path]:
    """A bundle's file, for an actor who may see the engagement."""
    e = get(session=session, actor=actor, engagement_id=engagement_id)
    b = session.get(EvidenceBundle, bundle_id)
    if b is None or b.engagement_id != e.id:
        raise NotFound(f"no bundle {bundle_id} in this engagement",
                       details={"bundle_id": bundle_id})
    path = bundle_file(data_dir, b.id)
    if not path.exists():
        raise Conflict(f"the file of bundle {b.id} is missing from the data folder")
    return b, path
