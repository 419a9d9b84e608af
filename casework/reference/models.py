"""Reference data for tariff and statistics: the municipalities of the Region Hannover, partner companies."""

from __future__ import annotations

from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class Municipality(Base):
    """Hannover and the other municipalities of the Region Hannover; partner periods feed the tariff."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    is_city: Mapped[bool] = mapped_column(default=False)
    partner_from: Mapped[date | None]
    partner_until: Mapped[date | None]
    residents: Mapped[int | None]

    def is_partner_on(self, day: date) -> bool:
        return (
            self.partner_from is not None
            and self.partner_from <= day
            and (self.partner_until is None or day <= self.partner_until)
        )


class Partner(Base):
    """A partner company (Partnerbetrieb): its employees' families pay the reduced rate."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    active_from: Mapped[date]
    active_until: Mapped[date | None]
    employees: Mapped[int | None]

    def is_active_on(self, day: date) -> bool:
        return self.active_from <= day and (self.active_until is None or day <= self.active_until)
