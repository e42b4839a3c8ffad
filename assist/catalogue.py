"""The store's catalogue: items, their sizes and colours, stock, and the CSV import."""

import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from . import forms
from .errors import NotFound
from .extensions import db
from .models import CatalogueItem

LETTER_SIZES = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL")
MAX_ALTERNATIVES = 4  # what a consultant's card lists for a size not in stock
CUSTOMER_CHOICES = 3  # what the tablet offers the customer to pick from


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


def variant_by_id(store_id: int, variant_id: int) -> CatalogueItem:
    found = db.session.get(CatalogueItem, variant_id)
    if found is None or found.store_id != store_id:
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


def choices_instead(wanted: CatalogueItem) -> list[CatalogueItem]:
    """What the customer may pick instead of a size not in stock: the nearest few."""
    return [] if wanted.stock > 0 else alternatives(wanted)[:CUSTOMER_CHOICES]


def picked_instead(wanted: CatalogueItem, variant_id: int) -> CatalogueItem:
    """The customer's pick for a size not in stock: another size or colour of the same item in
    this store. Its stock may have run out since the screen was drawn; the card shows it."""
    found = db.session.get(CatalogueItem, variant_id)
    if (
        wanted.stock > 0
        or found is None
        or found.id == wanted.id
        or (found.store_id, found.code) != (wanted.store_id, wanted.code)
    ):
        raise NotFound(
            _l("That is not one of the sizes we can offer instead. Please choose again.")
        )
    return found


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
# Each text column takes as many characters as the model's column holds.
FIELD_LIMITS = {
    name: forms.limit_of(getattr(CatalogueItem, name))
    for name in ("code", "name", "category", "colour", "size")
}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_csv(store_id: int, raw: bytes) -> ImportReport:
    """Add or update variants from a CSV file: all lines, or — if any line is wrong — none, with
    every wrong line in the report (the catalogue page says so)."""
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
    lines = _lines(reader, report)
    header = [COLUMN_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in next(lines, [])]
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
    for line_no, cells in lines:
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


def _lines(reader, report: ImportReport):
    """(line number, cells) of each line the csv module can read; the header comes bare first.
    A line it cannot read (a field over its size limit) goes to the report, and reading goes on."""
    first = True
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problem = _l("this line cannot be read: %(error)s", error=str(error))
            report.errors.append((reader.line_num, problem))
            if first:
                return
            continue
        if first:
            first = False
            yield cells
        else:
            yield reader.line_num, cells


def _row(cells: dict) -> tuple[dict, str | None]:
    row = {column: (cells.get(column) or "").strip() for column in COLUMNS}
    if any(forms.NUL in value for value in row.values()):
        return row, "a field contains a NUL character"
    for column, limit in FIELD_LIMITS.items():
        if not row[column]:
            return row, _l("%(column)s is empty", column=column)
        if len(row[column]) > limit:
            return row, _l("%(column)s is longer than %(n)s characters", column=column, n=limit)
    stock = forms.whole_number(row["stock"])
    if stock is None:
        largest = f"{forms.MAX_INTEGER:,}"
        return row, _l(
            "stock must be a whole number from 0 to %(max)s written with the digits 0-9, "
            "not “%(value)s”",
            max=largest,
            value=row["stock"][:20],
        )
    row["stock"] = stock
    return row, None
