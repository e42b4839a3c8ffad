"""`python -m bench.live_seed ROOMS`: give the demo store ROOMS fitting rooms, each with a paired
tablet, and print the tablets' cookie tokens as JSON ({room_id: token}). Reads DATABASE_URL."""

import json
import sys

from assist import create_app, pairing, rooms
from assist.extensions import db
from assist.models import FittingRoom, Store


def seed(wanted: int) -> dict[int, str]:
    store = db.session.query(Store).order_by(Store.id).first()
    have = db.session.query(FittingRoom).filter_by(store_id=store.id).count()
    for n in range(have + 1, wanted + 1):
        rooms.add_room(store.id, f"Room {n}", "Women" if n % 2 else "Men")
    tokens = {}
    for room in db.session.query(FittingRoom).filter_by(store_id=store.id).order_by(FittingRoom.id):
        _tablet, token = pairing.pair(pairing.issue_code(room).code)
        tokens[room.id] = token
    db.session.commit()
    return tokens


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        print(json.dumps(seed(int(sys.argv[1]))))
