"""Products and their lots."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from dermaport.records import bookings
from dermaport.records.schemas import LotIn, ProductIn
from dermaport.records.views import LotOut, ProductOut
from dermaport.web.deps import CurrentActor, DbSession, RecordsRouter
from dermaport.web.responses import SIGNED_IN

router = RecordsRouter(prefix="/api/products", tags=["products"], responses=SIGNED_IN)

ProductId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A product's id.")]


@router.get("")
def list_products(actor: CurrentActor, db: DbSession) -> list[ProductOut]:
    """The clinic's products."""
    return bookings.list_products(db, actor)


@router.post("", status_code=201)
def add_product(body: ProductIn, actor: CurrentActor, db: DbSession) -> ProductOut:
    """Add a product."""
    return bookings.add_product(db, actor, body)


@router.get("/{product_id}/lots")
def list_lots(product_id: ProductId, actor: CurrentActor, db: DbSession) -> list[LotOut]:
    """A product's lots."""
    return bookings.list_lots(db, actor, product_id)


@router.post("/{product_id}/lots", status_code=201)
def add_lot(product_id: ProductId, body: LotIn, actor: CurrentActor, db: DbSession) -> LotOut:
    """Add a lot of a product."""
    return bookings.add_lot(db, actor, product_id, body)
