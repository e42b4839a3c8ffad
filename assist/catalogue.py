"""The store's catalogue: items, their sizes and colours, stock, and the CSV import."""

import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .errors import NotFound
from .extensions import db
from .models import CatalogueItem

LETTER_SIZES = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL")
MAX_ALTERNATIVES = 4


@dataclass(frozen=True)
class Item:
    """An item as the customer sees it: one code, many variants."""

    code: str
    name: str
    category: str


def categories(store_id: int) -> list[str]:
    query = select(CatalogueItem.category).where(CatalogueItem.store_id == store_id)
    return list(db.session.scalars(query.distinct().order_by(CatalogueItem.category)))


def items(store_id: int, *, category: str = "", text: str = "", limit: int = 24) -> list[Item]:
    """Items of a category, or whose name or code contains `text`."""
    query = select(CatalogueItem.code, CatalogueItem.name, CatalogueItem.category).where(
        CatalogueItem.store_id == store_id
    )
    if category:
        query = query.where(CatalogueItem.category == category)
    query = _matching(query, text)
    rows = db.session.execute(query.distinct().order_by(CatalogueItem.name).limit(limit))
    return [Item(*row) for row in rows]


def variants(store_id: int, code: str) -> list[CatalogueItem]:
    found = db.session.scalars(
        select(CatalogueItem).where(CatalogueItem.store_id == store_id, CatalogueItem.code == code)
    ).all()
    if not found:
        raise NotFound(_l("We could not find that item."))
    return sorted(found, key=lambda v: (v.colour, size_rank(v.size)))


def variant(store_id: int, code: str, colour: str, size: str) -> CatalogueItem:
    found = db.session.scalar(
        select(CatalogueItem).where(
            CatalogueItem.store_id == store_id,
            CatalogueItem.code == code,
            CatalogueItem.colour == colour,
            CatalogueItem.size == size,
        )
    )
    if found is None:
        raise NotFound(_l("That size and colour is not in our catalogue."))
    return found


def alternatives(wanted: CatalogueItem) -> list[CatalogueItem]:
    """The nearest variants in stock: the same size in another colour, or the next sizes — the
    smallest size gap first (fit matters more than colour), the same colour first at equal gap."""
    others = [
        v for v in variants(wanted.store_id, wanted.code) if v.id != wanted.id and v.stock > 0
    ]
    wanted_rank = size_rank(wanted.size)

    def distance(v: CatalogueItem) -> tuple:
        return (_rank_gap(size_rank(v.size), wanted_rank), v.colour != wanted.colour, v.colour)

    return sorted(others, key=distance)[:MAX_ALTERNATIVES]


@dataclass(frozen=True)
class Summary:
    items: int
    variants: int
    in_stock: int


def summary(store_id: int) -> Summary:
    mine = CatalogueItem.store_id == store_id
    row = db.session.execute(
        select(
            func.count(CatalogueItem.code.distinct()),
            func.count(),
            func.count().filter(CatalogueItem.stock > 0),
        ).where(mine)
    ).one()
    return Summary(*row)


def search_variants(store_id: int, text: str = "", limit: int = 50) -> list[CatalogueItem]:
    """Variants for the admin's look inside the catalogue."""
    query = _matching(select(CatalogueItem).where(CatalogueItem.store_id == store_id), text)
    query = query.order_by(CatalogueItem.code, CatalogueItem.colour, CatalogueItem.size)
    return list(db.session.scalars(query.limit(limit)))


def size_rank(size: str) -> tuple[int, float, str]:
    """Orders XS < S < M, and 28 < 30 < 32, and anything else by name."""
    upper = size.strip().upper()
    if upper in LETTER_SIZES:
        return (0, LETTER_SIZES.index(upper), "")
    try:
        return (1, float(upper.replace(",", ".")), "")
    except ValueError:
        return (2, 0, upper)


def _rank_gap(a: tuple, b: tuple) -> float:
    return abs(a[1] - b[1]) if a[0] == b[0] and a[0] < 2 else 1000


def _matching(query, text: str):
    """Rows whose name or code contains `text`, whatever the case; wildcards are literal."""
    if not text.strip():
        return query
    pattern = f"%{_escape_like(text.strip().lower())}%"
    return query.where(
        CatalogueItem.name.ilike(pattern, escape="\\")
        | CatalogueItem.code.ilike(pattern, escape="\\")
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- CSV import -------------------------------------------------------------------------------

COLUMNS = ("code", "name", "category", "colour", "size", "stock")
COLUMN_ALIASES = {
    "item code": "code",
    "item_code": "code",
    "color": "colour",
    "stock quantity": "stock",
    "stock_quantity": "stock",
    "quantity": "stock",
}
FIELD_LIMITS = {"code": 40, "name": 120, "category": 60, "colour": 40, "size": 20}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_csv(store_id: int, raw: bytes) -> ImportReport:
    """Add or update variants from a CSV file: all lines, or — if any line is wrong — none."""
    report = ImportReport()
    rows = _parse(raw, report)
    if not report.ok:
        return report
    existing = {
        (v.code, v.colour, v.size): v
        for v in db.session.scalars(select(CatalogueItem).where(CatalogueItem.store_id == store_id))
    }
    for row in rows:
        known = existing.get((row["code"], row["colour"], row["size"]))
        if known:
            known.name, known.category, known.stock = row["name"], row["category"], row["stock"]
            report.updated += 1
        else:
            db.session.add(CatalogueItem(store_id=store_id, **row))
            report.created += 1
    db.session.commit()
    return report


def _parse(raw: bytes, report: ImportReport) -> list[dict]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append(
            (0, _l("The file is not UTF-8 text. Save it as CSV UTF-8 and try again."))
        )
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [COLUMN_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        report.errors.append(
            (
                1,
                _l(
                    "The first line must name the columns; missing: %(columns)s.",
                    columns=", ".join(missing),
                ),
            )
        )
        return []
    rows, seen = [], set()
    for line_no, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row, problem = _row(dict(zip(header, cells, strict=False)))
        key = (row.get("code"), row.get("colour"), row.get("size"))
        if problem is None and key in seen:
            problem = _l("the same code, colour and size appear on an earlier line")
        if problem:
            report.errors.append((line_no, problem))
        else:
            seen.add(key)
            rows.append(row)
    if not rows and report.ok:
        report.errors.append((0, _l("The file has no catalogue lines.")))
    return rows


def _row(cells: dict) -> tuple[dict, str | None]:
    row = {column: (cells.get(column) or "").strip() for column in COLUMNS}
    for column, limit in FIELD_LIMITS.items():
        if not row[column]:
            return row, _l("%(column)s is empty", column=column)
        if len(row[column]) > limit:
            return row, _l("%(column)s is longer than %(n)s characters", column=column, n=limit)
    if not row["stock"].isdigit():
        return row, _l(
            "stock must be a whole number of 0 or more, not “%(value)s”", value=row["stock"]
        )
    row["stock"] = int(row["stock"])
    return row, None
