"""`python -m bench.live_seed ROOMS [STORES]`: give the demo store ROOMS fitting rooms, each with a
paired tablet, and print the tablets' cookie tokens as JSON ({room_id: token}). With STORES, the
chain has that many stores like it (the demo's staff, names and secrets in each) and the JSON is
{store_id: {room_id: token}}. Reads DATABASE_URL."""

import json
import sys

from assist import create_app, demo, pairing, rooms
from assist.extensions import db
from assist.models import FittingRoom, Store

ZONES = ["Europe/Tallinn", "Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo"]


def seed(wanted: int, store: Store) -> dict[int, str]:
    have = db.session.query(FittingRoom).filter_by(store_id=store.id).count()
    for n in range(have + 1, wanted + 1):
        rooms.add_room(store.id, f"Room {n}", "Women" if n % 2 else "Men")
    tokens = {}
    for room in db.session.query(FittingRoom).filter_by(store_id=store.id).order_by(FittingRoom.id):
        _tablet, token = pairing.pair(pairing.issue_code(room).code)
        tokens[room.id] = token
    db.session.commit()
    return tokens


def chain(count: int) -> list[Store]:
    """The demo store and count - 1 more with the same staff."""
    stores = [demo.seed()]
    for n in range(len(stores) + 1, count + 1):
        store = Store(name=f"Store {n}", timezone=ZONES[n % len(ZONES)], language="en")
        db.session.add(store)
        db.session.flush()
        demo.add_staff(store)
        stores.append(store)
    db.session.commit()
    return stores


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        room_count = int(sys.argv[1])
        if len(sys.argv) > 2:
            found = {s.id: seed(room_count, s) for s in chain(int(sys.argv[2]))}
        else:
            found = seed(room_count, demo.seed())
        print(json.dumps(found))
