"""API shapes of the ledger: order records in (Art 10), proofs and checkpoints out."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from zeren.timepolicy import in_range_instant

# Bounds on what an order record may carry (ADR 0043): far above any real order, far below
# what would overflow a column or make the append-only log keep nonsense.
MAX_PRICE = Decimal("1000000000000")  # 10^12 yuan a unit
MAX_QUANTITY = 1_000_000_000
MAX_AMOUNT = Decimal("1000000000000000")  # 10^15 yuan an order
OrderTime = Annotated[AwareDatetime, AfterValidator(in_range_instant)]


class OrderItem(BaseModel):
    """One line of the goods snapshot at the time of the order (商品信息)."""

    sku: str = Field(max_length=100)
    title: str = Field(max_length=500)
    unit_price: Decimal = Field(ge=0, le=MAX_PRICE, max_digits=16, decimal_places=2)
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class BuyerData(BaseModel):
    """The buyer: personal data, sealed apart from the log and erasable after retention."""

    buyer_ref: str = Field(max_length=100, description="The platform's buyer id.")
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=50)
    address: str | None = Field(default=None, max_length=500)


class OrderRecordCreate(BaseModel):
    """An order record (交易信息) to log under Art 10."""

    platform_id: str = Field(max_length=36)
    order_id: str = Field(min_length=1, max_length=100)
    merchant_id: str = Field(max_length=100)
    status: str = Field(default="completed", max_length=40)
    items: list[OrderItem] = Field(min_length=1, max_length=200)
    total_amount: Decimal = Field(ge=0, le=MAX_AMOUNT, max_digits=18, decimal_places=2)
    paid_amount: Decimal = Field(ge=0, le=MAX_AMOUNT, max_digits=18, decimal_places=2)
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    # With a time zone: a naive time is ambiguous, and retention (3 years from completion)
    # is computed from it.
    placed_at: OrderTime
    paid_at: OrderTime | None = None
    completed_at: OrderTime | None = None
    buyer: BuyerData
    income_kind: str = Field(
        default="goods", max_length=30,
        description="goods, or service.business / labour / commission / tipping / "
                    "advertising / other (ledger/orders.toml): how the tax report counts it.")
    other_sales_amount: Decimal = Field(
        default=Decimal(0), ge=0, le=MAX_AMOUNT, max_digits=18, decimal_places=2,
        description="Of the paid amount, 其他销售收入 (goods orders only).")

    def record(self) -> dict[str, Any]:
        """The non-personal fields, as logged."""
        def t(v: datetime | None) -> str | None:
            return v.isoformat() if v else None

        return {
            "platform_id": self.platform_id, "order_id": self.order_id,
            "merchant_id": self.merchant_id, "status": self.status,
            "items": [{"sku": i.sku, "title": i.title, "unit_price": str(i.unit_price),
                       "quantity": i.quantity} for i in self.items],
            "amounts": {"total": str(self.total_amount), "paid": str(self.paid_amount),
                        "currency": self.currency},
            "times": {"placed_at": t(self.placed_at), "paid_at": t(self.paid_at),
                      "completed_at": t(self.completed_at)},
            "income": {"kind": self.income_kind, "other_sales": str(self.other_sales_amount)},
        }


class RefundRecordCreate(BaseModel):
    """A refund (退款/退货) of a logged order: its own record in the order's log, linked to the
    order by ``order_id``; the order's record is never changed."""

    platform_id: str = Field(max_length=36)
    refund_id: str = Field(min_length=1, max_length=100)
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT, max_digits=18, decimal_places=2)
    kind: str = Field(default="return", pattern="^(return|refund_only)$",
                      description="return (退货退款) or refund_only (仅退款).")
    reason: str = Field(default="", max_length=500)
    refunded_at: OrderTime


class Logged(BaseModel):
    log: str
    index: int
    checkpoint_size: int


class ProofRead(BaseModel):
    """An entry with its inclusion proof and signed checkpoint (what ``zeren-verify`` reads)."""

    log: str
    index: int
    size: int
    entry: str = Field(description="base64 of the entry bytes")
    leaf_hash: str
    proof: list[str]
    checkpoint: str


class PersonalRead(BaseModel):
    ref: str
    erased: bool
    commitment_ok: bool | None = None
    data: Any = None


class OrderRecordRead(BaseModel):
    log: str
    index: int
    record: dict[str, Any]
    proof: ProofRead
    personal: PersonalRead | None = None


class LogRead(BaseModel):
    name: str
    record_class: str
    period: str
    origin: str
    vkey: str
    size: int
    root_hash: str
    checkpoint_at: datetime


class ConsistencyRead(BaseModel):
    log: str
    size1: int = Field(alias="from")
    size2: int = Field(alias="to")
    proof: list[str]
    old_checkpoint: str
    new_checkpoint: str


class ErasureCreate(BaseModel):
    """Erase the personal data of one logged record (only once its retention period has run)."""

    log: str = Field(max_length=100, description="Log name, e.g. orders/2025")
    index: int = Field(ge=0, le=2**63 - 1)
    legal_basis: str = Field(min_length=1, max_length=400,
                             description="Why: the law and the request, e.g. 个人信息保护法 第四十七条")
    approver: str = Field(min_length=1, max_length=100, description="Who approved the erasure.")
