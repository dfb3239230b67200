"""HTTP routes of the ledger: log order records (Art 10), read them back with proofs, and
fetch checkpoints, verifier keys and proofs for any log. Thin: parse, call one service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse

from zeren.audit.service import record as audit
from zeren.auth.policy import Actor
from zeren.deps import SessionDep, require
from zeren.ledger import service, store
from zeren.ledger.schemas import (
    ConsistencyRead,
    Logged,
    LogRead,
    OrderRecordCreate,
    OrderRecordRead,
    PersonalRead,
    ProofRead,
)
from zeren.platforms.service import get_platform

router = APIRouter(tags=["ledger"])

LogQ = Annotated[str, Query(description="Log name, e.g. orders/2025")]


@router.post("/orders", response_model=Logged, status_code=201)
def log_order(
    body: OrderRecordCreate, request: Request, session: SessionDep,
    actor: Annotated[Actor, Depends(require("ledger.write"))],
) -> Logged:
    """Log one order record; the buyer's data is sealed apart (erasable after retention)."""
    p = get_platform(session=session, platform_ref=body.platform_id)
    actor.check_platform(p.id)
    rec = {**body.record(), "platform_id": p.id, "recorded_by": actor.username}
    r = service.ingest_order(record_log=service.record_log_for(
        request.app.state.engine, request.app.state.settings.data_dir),
                             record=rec, buyer=body.buyer.model_dump(exclude_none=True),
                             completed_at=body.completed_at)
    audit(session=session, actor=actor, action="ledger.order.log", target_type="order",
          target_id=body.order_id, platform_id=p.id,
          summary={"log": r.log, "index": r.index})
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
    actor.check_platform(p.id)
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
    session: SessionDep, _actor: Annotated[Actor, Depends(require("ledger.read"))],
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
    log: LogQ, session: SessionDep, _actor: Annotated[Actor, Depends(require("ledger.read"))],
) -> PlainTextResponse:
    """The newest signed checkpoint (C2SP signed note), as text."""
    info = store.get_log(session=session, name=log)
    return PlainTextResponse(store.latest_checkpoint(session=session, log=info).note)


@router.get("/ledger/key", response_class=PlainTextResponse)
def key(
    log: LogQ, session: SessionDep, _actor: Annotated[Actor, Depends(require("ledger.read"))],
) -> PlainTextResponse:
    """The log's verifier key."""
    return PlainTextResponse(store.verifier(store.get_log(session=session, name=log)).vkey)


@router.get("/ledger/proof", response_model=ProofRead)
def proof(
    log: LogQ, index: int, session: SessionDep,
    _actor: Annotated[Actor, Depends(require("ledger.read"))], size: int | None = None,
) -> ProofRead:
    """An entry with its inclusion proof in the checkpoint of ``size`` (default newest)."""
    info = store.get_log(session=session, name=log)
    return ProofRead(**store.inclusion(session=session, log=info, index=index,
                                       size=size).to_json())


@router.get("/ledger/consistency", response_model=ConsistencyRead, response_model_by_alias=True)
def consistency(
    log: LogQ, session: SessionDep, _actor: Annotated[Actor, Depends(require("ledger.read"))],
    size1: Annotated[int, Query(alias="from")], size2: Annotated[int, Query(alias="to")],
) -> ConsistencyRead:
    """A consistency proof between two checkpoints of a log."""
    info = store.get_log(session=session, name=log)
    return ConsistencyRead(**store.consistency(session=session, log=info, size1=size1,
                                               size2=size2).to_json())
