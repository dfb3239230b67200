"""HTTP routes of the ledger: log order records (Art 10), read them back with proofs, fetch
checkpoints, verifier keys and proofs for any log, serve each log read-only in the C2SP
tlog-tiles layout (so a tlog client or witness can follow it live), and erase the personal
data of a record whose retention period has run. Thin: parse, call one service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from zeren.auth.policy import Actor
from zeren.deps import SessionDep, require
from zeren.errors import NotFound
from zeren.ledger import service, store
from zeren.ledger.schemas import (
    ConsistencyRead,
    ErasureCreate,
    Logged,
    LogRead,
    OrderRecordCreate,
    OrderRecordRead,
    PersonalRead,
    ProofRead,
    RefundRecordCreate,
)
from zeren.ledger.verify import VerificationError, parse_tile_path
from zeren.platforms.service import get_platform

router = APIRouter(tags=["ledger"])

LogQ = Annotated[str, Query(description="Log name, e.g. orders/2025")]
# Sizes and indexes are stored as 64-bit integers; larger ones are bad input, not a 500.
IndexQ = Annotated[int, Query(ge=0, le=store.INT64_MAX, description="Entry index")]
SizeQ = Annotated[int | None, Query(ge=0, le=store.INT64_MAX,
                                    description="Tree size of a checkpoint (default: newest)")]

# A log holds one record class for one year across every platform, so reading a whole log
# (its checkpoint, key, proofs of any entry, tiles and bundles) shows every platform's
# records: it needs ``ledger.logs.read``, a group-wide permission (policy.yaml). A platform's
# own records are read, with their proofs, through ``/orders/{id}`` and ``ledger.read``.
LOGS_READ = "ledger.logs.read"
LogsReader = Annotated[Actor, Depends(require(LOGS_READ))]


@router.post("/orders", response_model=Logged, status_code=201)
def log_order(
    body: OrderRecordCreate, request: Request, session: SessionDep,
    actor: Annotated[Actor, Depends(require("ledger.write"))],
) -> Logged:
    """Log one order record; the buyer's data is sealed apart (erasable after retention)."""
    # require() above found ledger.write somewhere; the service checks it for this platform.
    r = service.log_order_record(
        session=session, actor=actor,
        platform_id=get_platform(session=session, platform_ref=body.platform_id).id,
        record_log=service.record_log_for(request.app.state.engine,
                                          request.app.state.settings.data_dir),
        record=body.record(), buyer=body.buyer.model_dump(exclude_none=True),
        completed_at=body.completed_at)
    return Logged(log=r.log, index=r.index, checkpoint_size=r.checkpoint_size)


@router.post("/orders/{order_id}/refunds", response_model=Logged, status_code=201)
def log_refund(
    order_id: str, body: RefundRecordCreate, request: Request, session: SessionDep,
    actor: Annotated[Actor, Depends(require("ledger.write"))],
) -> Logged:
    """Log a refund of a completed order as its own record, linked to the order (never an
    edit of the order's record); refunds may not pass what was paid."""
    r = service.log_refund_record(
        session=session, actor=actor,
        platform_id=get_platform(session=session, platform_ref=body.platform_id).id,
        record_log=service.record_log_for(request.app.state.engine,
                                          request.app.state.settings.data_dir),
        order_id=order_id, refund_id=body.refund_id, amount=body.amount, kind=body.kind,
        reason=body.reason, refunded_at=body.refunded_at)
    return Logged(log=r.log, index=r.index, checkpoint_size=r.checkpoint_size)


@router.get("/orders/{order_id}", response_model=list[OrderRecordRead])
def read_order(
    order_id: str, session: SessionDep,
    actor: Annotated[Actor, Depends(require("ledger.read"))],
    platform_id: Annotated[str, Query()],
    include_personal: Annotated[bool, Query(description="needs ledger.write")] = False,
) -> list[OrderRecordRead]:
    """Every logged record of an order, each with its inclusion proof and checkpoint."""
    p = get_platform(session=session, platform_ref=platform_id)
    actor.require("ledger.read", p.id)
    if include_personal:
        actor.require("ledger.write", p.id)
    out = []
    for v in service.order_records(session=session, platform_id=p.id, order_id=order_id,
                                   with_personal=include_personal):
        pd: Any = v.record.get("personal")
        personal = None
        if v.personal is not None:
            personal = PersonalRead(ref=v.personal.ref, erased=v.personal.erased,
                                    commitment_ok=v.personal.commitment_ok, data=v.personal.data)
        elif isinstance(pd, dict):
            personal = PersonalRead(ref=str(pd.get("ref")), erased=False)
        out.append(OrderRecordRead(log=v.log, index=v.index, record=v.record,
                                   proof=ProofRead(**v.proof.to_json()), personal=personal))
    return out


@router.get("/ledger/logs", response_model=list[LogRead])
def list_logs(
    session: SessionDep, _actor: LogsReader,
) -> list[LogRead]:
    """Every log with its newest checkpoint and verifier key."""
    return [
        LogRead(name=i.name, record_class=i.record_class, period=i.period, origin=i.origin,
                vkey=store.verifier(i).vkey, size=cp.size, root_hash=cp.root_hash.hex(),
                checkpoint_at=cp.created_at)
        for i, cp in store.list_logs(session=session)
    ]


@router.get("/ledger/checkpoint", response_class=PlainTextResponse)
def checkpoint(
    log: LogQ, session: SessionDep, _actor: LogsReader,
) -> PlainTextResponse:
    """The newest signed checkpoint (C2SP signed note), as text."""
    info = store.get_log(session=session, name=log)
    return PlainTextResponse(store.latest_checkpoint(session=session, log=info).note)


@router.get("/ledger/key", response_class=PlainTextResponse)
def key(
    log: LogQ, session: SessionDep, _actor: Annotated[Actor, Depends(require("ledger.read"))],
) -> PlainTextResponse:
    """The log's verifier key. Public by nature (it reveals no record), so anyone who may read
    their own platform's records with proofs may fetch it to check those proofs."""
    return PlainTextResponse(store.verifier(store.get_log(session=session, name=log)).vkey)


@router.get("/ledger/proof", response_model=ProofRead)
def proof(
    log: LogQ, index: IndexQ, session: SessionDep, _actor: LogsReader, size: SizeQ = None,
) -> ProofRead:
    """An entry with its inclusion proof in the checkpoint of ``size`` (default newest)."""
    info = store.get_log(session=session, name=log)
    return ProofRead(**store.inclusion(session=session, log=info, index=index,
                                       size=size).to_json())


@router.get("/ledger/consistency", response_model=ConsistencyRead, response_model_by_alias=True)
def consistency(
    log: LogQ, session: SessionDep, _actor: LogsReader,
    size1: Annotated[int, Query(alias="from", ge=0, le=store.INT64_MAX)],
    size2: Annotated[int, Query(alias="to", ge=0, le=store.INT64_MAX)],
) -> ConsistencyRead:
    """A consistency proof between two checkpoints of a log."""
    info = store.get_log(session=session, name=log)
    return ConsistencyRead(**store.consistency(session=session, log=info, size1=size1,
                                               size2=size2).to_json())


# ----------------------------------------------------------------------- C2SP tlog-tiles, live
# ``…/ledger/logs/<log>/`` is a tlog-tiles prefix: a client reads ``checkpoint``, then tiles
# and entry bundles. Log names hold a slash (``orders/2025``), hence ``{name:path}``. Full
# tiles and bundles never change, so they may be cached for good; a partial one is fixed by
# its width too, but is superseded as the log grows. Every response needs a token (the log
# holds every platform's records), so only the client may cache it: ``private``, never
# ``public``, or a shared proxy could hand a tile to someone who was never allowed it.

IMMUTABLE = "private, max-age=31536000, immutable"
PARTIAL = "private, max-age=60"
TILES_PREFIX = "/ledger/logs/{name:path}"


def _tile_response(data: bytes, width: int) -> Response:
    cache = IMMUTABLE if width == 256 else PARTIAL
    return Response(data, media_type="application/octet-stream",
                    headers={"Cache-Control": cache})


def _parse(rel: str) -> tuple[int | None, int, int]:
    try:
        return parse_tile_path(rel)
    except VerificationError as exc:
        raise NotFound(str(exc), details={"path": f"tile/{rel}"}) from exc


@router.get(TILES_PREFIX + "/checkpoint", response_class=PlainTextResponse)
def tiles_checkpoint(
    name: str, session: SessionDep, _actor: LogsReader,
) -> PlainTextResponse:
    """tlog-tiles: the newest signed checkpoint."""
    info = store.get_log(session=session, name=name)
    return PlainTextResponse(store.latest_checkpoint(session=session, log=info).note,
                             headers={"Cache-Control": "private, no-cache"})


@router.get(TILES_PREFIX + "/tile/{path:path}", response_class=Response)
def tiles_tile(
    name: str, path: str, session: SessionDep, _actor: LogsReader,
) -> Response:
    """tlog-tiles: Merkle tile ``tile/<L>/<N>[.p/<W>]`` or entry bundle
    ``tile/entries/<N>[.p/<W>]``. The whole path is parsed here, as the verifier parses it,
    so a non-canonical spelling (``tile/07/…``, ``.p/08``) is 404, never a second name for a
    tile."""
    level, index, width = _parse(path)
    info = store.get_log(session=session, name=name)
    if level is None:
        data = store.bundle_bytes(session=session, log=info, index=index, width=width)
    else:
        data = store.tile_bytes(session=session, log=info, level=level, index=index,
                                width=width)
    return _tile_response(data, width)


# ----------------------------------------------------------------------- erasure

# Destroying the key of someone's personal data is irreversible, so it takes more than the
# right to log records (``ledger.write``, held by API clients and merchant operations):
# ``ledger.erase``, which no role but the administrator's ``*`` carries until the policy
# grants it (see docs/adr/0101-ledger-entry-bundles-and-tiles-api.md).
ERASE = "ledger.erase"


@router.post("/ledger/erasures", response_model=Logged, status_code=201)
def erase(
    body: ErasureCreate, request: Request, session: SessionDep,
    actor: Annotated[Actor, Depends(require(ERASE))],
) -> Logged:
    """Erase the personal data of one logged record (destroy its key) and log a tombstone
    with the legal basis and approver; refused (409) while its retention period runs."""
    r = service.erase_record(
        session=session, actor=actor, integrator=service.integrator_for(
            request.app.state.engine, request.app.state.settings.data_dir),
        log=body.log, index=body.index, legal_basis=body.legal_basis, approver=body.approver)
    return Logged(log=r.log, index=r.index, checkpoint_size=r.checkpoint_size)
