"""Input shapes of the minors' register. Bands and services are checked by the service
against ``data/users.toml``; times keep their zone (one without is refused, never assumed)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from zeren.timepolicy import in_range_instant

Stamp = Annotated[datetime, AfterValidator(in_range_instant)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MinorIn(In):
    account_id: str = Field(min_length=1, max_length=100)
    band: str = Field(min_length=1, max_length=20, description="Age band (data).")


class SessionIn(In):
    account_id: str = Field(min_length=1, max_length=100)
    service: str = Field(default="game", max_length=20)
    starts_at: Stamp
    ends_at: Stamp


class PaymentIn(In):
    account_id: str = Field(min_length=1, max_length=100)
    payment_id: str = Field(min_length=1, max_length=100)
    service: str = Field(default="game", max_length=20)
    paid_at: Stamp
    amount_fen: int = Field(ge=0, le=10**10)
