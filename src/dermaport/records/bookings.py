"""Products and lots; courses and appointments (each write and read of a client's bookings audited)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from dermaport.errors import ConflictError, InputError, RecordNotFoundError
from dermaport.records import audit
from dermaport.records.access import Actor, Permission
from dermaport.records.clients import client_row, writable_client
from dermaport.records.locks import lock_name
from dermaport.records.models import Appointment, Client, Course, Lot, Product, User, utcnow
from dermaport.records.product_checks import check_product
from dermaport.records.reads import PreparedRead, table_of, view_columns, views_of
from dermaport.records.schemas import AppointmentIn, AppointmentStatusIn, CourseIn, LotIn, ProductIn
from dermaport.records.views import AppointmentOut, CourseOut, LotOut, ProductOut

__all__ = [
    "add_appointment",
    "add_course",
    "add_lot",
    "add_product",
    "clinic_lots",
    "list_appointments",
    "list_lots",
    "list_products",
    "lot_of_clinic",
    "set_appointment_status",
]


def add_product(db: Session, actor: Actor, data: ProductIn) -> ProductOut:
    """Add a product to the clinic's list (its active and concentration checked; audited)."""
    actor.require(Permission.PRODUCT_WRITE)
    check_product(data.active, data.concentration)
    product = Product(clinic_id=actor.clinic_id, **data.model_dump())
    db.add(product)
    db.flush()
    audit.append(db, actor=actor.username, action="create", entity="product", entity_id=product.id)
    return ProductOut.model_validate(product)


def list_products(db: Session, actor: Actor) -> list[ProductOut]:
    """The clinic's products by name."""
    actor.require(Permission.PRODUCT_READ)
    rows = db.scalars(select(Product).where(Product.clinic_id == actor.clinic_id).order_by(Product.name))
    return [ProductOut.model_validate(p) for p in rows]


#: Every lot of a clinic with its product's name, in one select (products by name, lots by expiry).
_LOTS = table_of(Lot)
_PRODUCTS = table_of(Product)
_APPOINTMENTS = table_of(Appointment)
# of the tables' columns, not the mapped classes' attributes: a Core statement, executed without
# the ORM's per-execution compile state (the rows are the same)
_CLINIC_LOTS = PreparedRead(
    select(
        _LOTS.c.id,
        _PRODUCTS.c.name.label("product"),
        _PRODUCTS.c.id.label("product_id"),
        _LOTS.c.lot_number,
        _LOTS.c.expires_on,
    )
    .join(_PRODUCTS, _PRODUCTS.c.id == _LOTS.c.product_id)
    .where(_PRODUCTS.c.clinic_id == bindparam("clinic_id"))
    .order_by(_PRODUCTS.c.name, _PRODUCTS.c.id, _LOTS.c.expires_on, _LOTS.c.id)
)


def clinic_lots(db: Session, actor: Actor) -> Sequence[Row[int, str, int, str, date]]:
    """Every lot of the clinic's products, products by name and each one's lots by expiry.

    Each row has ``id``, ``product`` (the product's name), ``product_id``, ``lot_number`` and
    ``expires_on``.
    """
    actor.require(Permission.PRODUCT_READ)
    return _CLINIC_LOTS.all(db, {"clinic_id": actor.clinic_id})


def _product(db: Session, actor: Actor, product_id: int) -> Product:
    product = db.get(Product, product_id)
    if product is None or product.clinic_id != actor.clinic_id:
        raise RecordNotFoundError(f"product {product_id} not found: list them with GET /api/products")
    return product


def add_lot(db: Session, actor: Actor, product_id: int, data: LotIn) -> LotOut:
    """Add a lot (batch) of a product."""
    actor.require(Permission.PRODUCT_WRITE)
    product = _product(db, actor, product_id)
    if data.expires_on < utcnow().date():
        raise InputError(
            f"lot {data.lot_number!r} expired on {data.expires_on.isoformat()}: only lots in date can be "
            "added, e.g. expires_on 2027-06-30"
        )
    if db.scalar(select(Lot.id).where(Lot.product_id == product.id, Lot.lot_number == data.lot_number)):
        raise ConflictError(f"lot {data.lot_number!r} of product {product_id} exists already")
    lot = Lot(product_id=product.id, **data.model_dump())
    db.add(lot)
    db.flush()
    audit.append(
        db,
        actor=actor.username,
        action="create",
        entity="lot",
        entity_id=lot.id,
        detail={"product_id": product.id, "expires_on": data.expires_on.isoformat()},
    )
    return LotOut.model_validate(lot)


def list_lots(db: Session, actor: Actor, product_id: int) -> list[LotOut]:
    """The lots of one product, by expiry."""
    actor.require(Permission.PRODUCT_READ)
    product = _product(db, actor, product_id)
    rows = db.scalars(select(Lot).where(Lot.product_id == product.id).order_by(Lot.expires_on, Lot.id))
    return [LotOut.model_validate(lot) for lot in rows]


def lot_of_clinic(db: Session, actor: Actor, lot_id: int) -> Lot:
    """The lot ``lot_id`` of one of the clinic's products."""
    lot = db.get(Lot, lot_id)
    if lot is None or db.get(Product, lot.product_id).clinic_id != actor.clinic_id:  # type: ignore[union-attr]
        raise RecordNotFoundError(f"lot {lot_id} not found: list lots with GET /api/products/ID/lots")
    return lot


def add_course(db: Session, actor: Actor, client_id: int, data: CourseIn) -> CourseOut:
    """Sell a client a course of treatments."""
    actor.require(Permission.BOOKING_WRITE)
    client = writable_client(db, actor, client_id)
    course = Course(client_id=client.id, **data.model_dump())
    db.add(course)
    db.flush()
    audit.append(
        db, actor=actor.username, action="create", entity="course", entity_id=course.id, client_id=client.id
    )
    return CourseOut.model_validate(course)


def add_appointment(db: Session, actor: Actor, client_id: int, data: AppointmentIn) -> AppointmentOut:
    """Book an appointment for a client (with one of the clinic's practitioners, if named).

    Refused: a start in the past, and an overlap with another booked or attended appointment of
    the same practitioner or in the same room (serialised per practitioner and room on PostgreSQL).
    """
    actor.require(Permission.BOOKING_WRITE)
    client = writable_client(db, actor, client_id)
    if data.starts_at < utcnow() - CLOCK_SKEW:
        raise InputError(
            f"appointment at {data.starts_at.isoformat()} is in the past: book a future time, "
            "e.g. starts_at 2027-01-05T10:00:00+01:00"
        )
    if data.course_id is not None:
        course = db.get(Course, data.course_id)
        if course is None or course.client_id != client.id:
            raise RecordNotFoundError(f"course {data.course_id} of client {client_id} not found")
    if data.practitioner_id is not None:
        user = db.get(User, data.practitioner_id)
        if user is None or user.clinic_id != actor.clinic_id or user.role == "reception":
            raise RecordNotFoundError(f"practitioner {data.practitioner_id} not found in this clinic")
    _refuse_overlap(db, actor, data)
    appointment = Appointment(client_id=client.id, **data.model_dump())
    db.add(appointment)
    db.flush()
    audit.append(
        db,
        actor=actor.username,
        action="create",
        entity="appointment",
        entity_id=appointment.id,
        client_id=client.id,
    )
    return AppointmentOut.model_validate(appointment)


def set_appointment_status(
    db: Session, actor: Actor, client_id: int, appointment_id: int, data: AppointmentStatusIn
) -> AppointmentOut:
    """Mark an appointment attended, cancelled, a no-show, or booked again."""
    actor.require(Permission.BOOKING_WRITE)
    client = writable_client(db, actor, client_id)
    appointment = db.get(Appointment, appointment_id)
    if appointment is None or appointment.client_id != client.id:
        raise RecordNotFoundError(f"appointment {appointment_id} of client {client_id} not found")
    if data.status == "booked" and appointment.status != "booked" and appointment.starts_at < utcnow():
        raise InputError(f"appointment {appointment_id} is in the past: it cannot be booked again")
    appointment.status = data.status
    db.flush()
    audit.append(
        db,
        actor=actor.username,
        action="update",
        entity="appointment",
        entity_id=appointment.id,
        client_id=client.id,
        detail={"status": data.status},
    )
    return AppointmentOut.model_validate(appointment)


#: How far in the past a new appointment may start (a desk's clock, a booking made at the door).
CLOCK_SKEW = timedelta(minutes=5)
_LONGEST = timedelta(minutes=480)
_ACTIVE = ("booked", "attended")


def _refuse_overlap(db: Session, actor: Actor, data: AppointmentIn) -> None:
    """Refuse (409) a time that overlaps another appointment of the practitioner or in the room."""
    start = data.starts_at
    end = start + timedelta(minutes=data.duration_min)
    for column, value, what in (
        (Appointment.practitioner_id, data.practitioner_id, "practitioner"),
        (Appointment.room, data.room, "room"),
    ):
        if value is None:
            continue
        lock_name(db, f"{what}:{actor.clinic_id}:{value}")
        rows = db.execute(
            select(Appointment.id, Appointment.starts_at, Appointment.duration_min)
            .join(Client, Client.id == Appointment.client_id)
            .where(
                Client.clinic_id == actor.clinic_id,
                column == value,
                Appointment.status.in_(_ACTIVE),
                Appointment.starts_at > start - _LONGEST,
                Appointment.starts_at < end,
            )
        ).all()
        for other_id, other_start, minutes in rows:
            if other_start + timedelta(minutes=minutes) > start:
                raise ConflictError(
                    f"{what} {value} is booked from {other_start.isoformat()} for {minutes} min "
                    f"(appointment {other_id}): choose another time"
                )


_CLIENT_APPOINTMENTS = (
    select(*view_columns(Appointment, AppointmentOut))
    .where(_APPOINTMENTS.c.client_id == bindparam("client_id"))
    .order_by(_APPOINTMENTS.c.starts_at)
)


def list_appointments(db: Session, actor: Actor, client_id: int) -> list[AppointmentOut]:
    """A client's appointments, in time order."""
    actor.require(Permission.BOOKING_READ)
    client = client_row(db, actor, client_id)
    rows = db.execute(_CLIENT_APPOINTMENTS, {"client_id": client.id}).all()
    audit.append(db, actor=actor.username, action="read", entity="appointment", client_id=client.id)
    return views_of(AppointmentOut, rows)
