"""A demo store, so that `make run` has something to play with."""

from sqlalchemy import select

from . import pairing
from .extensions import db
from .models import CatalogueItem, FittingRoom, Kind, MenuItem, Role, StaffMember, Store

STORE = {"name": "Nordlys Tallinn", "timezone": "Europe/Tallinn", "language": "en"}
ROOMS = [
    ("Women", "Room 1"),
    ("Women", "Room 2"),
    ("Women", "Room 3"),
    ("Men", "Room 4"),
    ("Men", "Room 5"),
]
STAFF = [
    ("Anna Tamm", Role.CONSULTANT, "1111"),
    ("Boris Ivanov", Role.CONSULTANT, "2222"),
    ("Chen Li", Role.CONSULTANT, "3333"),
    ("Maria Kask", Role.MANAGER, "manager-demo"),
    ("Admin", Role.ADMIN, "admin-demo"),
]
DRINKS = [
    ("Still water", False),
    ("Sparkling water", False),
    ("Green tea", False),
    ("Black tea", False),
    ("Coffee", False),
    ("Champagne", True),
]
AMENITIES = ["Shoes to try on", "Foot covers", "Tissues", "More hangers", "A chair", "A hair tie"]
CATALOGUE = [
    ("JN-501", "Slim jeans", "Jeans", ["Blue", "Black"], ["28", "30", "32", "34", "36"]),
    ("TS-110", "Linen shirt", "Shirts", ["White", "Sky blue"], ["S", "M", "L", "XL"]),
    ("DR-220", "Wrap dress", "Dresses", ["Red", "Navy"], ["XS", "S", "M", "L"]),
    ("KN-330", "Merino sweater", "Knitwear", ["Grey", "Cream"], ["S", "M", "L"]),
    ("CT-440", "Wool coat", "Coats", ["Camel", "Black"], ["S", "M", "L"]),
    ("TR-550", "Tailored trousers", "Trousers", ["Black", "Beige"], ["36", "38", "40", "42"]),
    ("SK-660", "Pleated skirt", "Skirts", ["Green", "Black"], ["XS", "S", "M", "L"]),
    (
        "TE-770",
        "Cotton T-shirt",
        "T-shirts",
        ["White", "Black", "Navy"],
        ["XS", "S", "M", "L", "XL"],
    ),
]


def seed() -> Store:
    """Create the demo store unless there is a store already; return the first store."""
    store = db.session.scalar(select(Store).order_by(Store.id))
    if store:
        return store
    store = Store(**STORE)
    db.session.add(store)
    db.session.flush()
    db.session.add_all(FittingRoom(store_id=store.id, area=a, name=n) for a, n in ROOMS)
    add_staff(store)
    add_default_menus(store)
    db.session.add_all(_catalogue(store))
    db.session.commit()
    return store


def add_staff(store: Store) -> None:
    """The demo's people, with their PINs and passwords, in this store."""
    for name, role, secret in STAFF:
        member = StaffMember(store_id=store.id, name=name, role=role)
        member.set_secret(secret)
        db.session.add(member)


def add_default_menus(store: Store) -> None:
    db.session.add_all(
        MenuItem(store_id=store.id, kind=Kind.DRINK, name=n, age_restricted=r) for n, r in DRINKS
    )
    db.session.add_all(MenuItem(store_id=store.id, kind=Kind.AMENITY, name=n) for n in AMENITIES)


def _catalogue(store: Store) -> list[CatalogueItem]:
    variants = []
    for item_no, (code, name, category, colours, sizes) in enumerate(CATALOGUE):
        for colour_no, colour in enumerate(colours):
            for size_no, size in enumerate(sizes):
                # Some sizes sold out, so the demo shows how alternatives are offered.
                stock = (item_no * 7 + colour_no * 3 + size_no * 5) % 6
                variants.append(
                    CatalogueItem(
                        store_id=store.id,
                        code=code,
                        name=name,
                        category=category,
                        colour=colour,
                        size=size,
                        stock=stock,
                    )
                )
    return variants


def welcome_text(store: Store, base_url: str) -> str:
    """Where to open each screen, with fresh pairing links for the demo tablets."""
    lines = [
        "",
        f"Fitting Room Assist is serving {store.name} on {base_url}",
        "",
        "Kiosk — open a link on a tablet (or a browser window) to pair it with that room:",
    ]
    for room in store.rooms:
        code = pairing.issue_code(room).code
        lines.append(f"  {room.label:<18} {base_url}/kiosk/pair?code={code}")
    lines += ["", f"Handheld and manager board — {base_url}/staff/"]
    for name, role, secret in STAFF:
        what = "PIN" if role == Role.CONSULTANT else "password"
        lines.append(f"  {role.value:<11} {name:<14} {what} {secret}")
    lines += ["", f"Admin (rooms, pairing, staff, menus, catalogue) — {base_url}/staff/admin", ""]
    return "\n".join(lines)
