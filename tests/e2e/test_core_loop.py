"""The core loop against the real server: a tablet asks, two handhelds race, the tablet sees it."""

import threading

import pytest
import socketio


def paired_tablet(devices, live_server, room="Room 1"):
    tablet = devices("tablet").pair(live_server.pairing_codes()[room])
    tablet.connect()
    return tablet


def test_request_reaches_both_handhelds_one_claim_wins_and_the_tablet_follows(devices, live_server):
    tablet = paired_tablet(devices, live_server)
    anna = devices("handheld").sign_in("Anna Tamm", "1111")
    boris = devices("handheld").sign_in("Boris Ivanov", "2222")
    anna.connect()
    boris.connect()

    assert tablet.ask("consultant").status_code == 200
    created = anna.wait_for(lambda e: e["action"] == "created")
    boris.wait_for(lambda e: e["request"] == created["request"])
    request_id = created["request"]

    start, answers = threading.Barrier(2), {}

    def claim(name, handheld):
        start.wait()
        answers[name] = handheld.post(f"/staff/requests/{request_id}/claim")

    racers = [
        threading.Thread(target=claim, args=(n, h)) for n, h in (("Anna", anna), ("Boris", boris))
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    codes = sorted(response.status_code for response in answers.values())
    assert codes == [200, 409], codes
    winner = next(name for name, response in answers.items() if response.status_code == 200)
    loser = answers["Boris" if winner == "Anna" else "Anna"]
    assert f"{winner} is already on it" in loser.text

    claimed = tablet.wait_for(lambda e: e["request"] == request_id and e["action"] == "claimed")
    assert claimed["by"] == winner
    assert f"{winner} is on the way" in tablet.status()

    finisher = anna if winner == "Anna" else boris
    assert finisher.post(f"/staff/requests/{request_id}/complete").status_code == 200
    tablet.wait_for(lambda e: e["request"] == request_id and e["action"] == "completed")
    actions = [e["action"] for e in tablet.heard() if e["request"] == request_id]
    assert actions[:1] == ["created"] and actions[-2:] == ["claimed", "completed"]
    assert "Done" in tablet.status()


@pytest.mark.parametrize("namespace", ["/staff", "/kiosk"])
def test_sockets_refuse_devices_that_have_not_proved_themselves(live_server, namespace):
    stranger = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        stranger.connect(
            live_server.base_url, namespaces=[namespace], transports=["websocket"], wait_timeout=5
        )


def test_a_tablet_hears_only_its_own_room(devices, live_server):
    codes = live_server.pairing_codes()
    room2 = devices("tablet").pair(codes["Room 2"])
    room2.connect()
    room3 = devices("tablet").pair(codes["Room 3"])
    room3.connect()
    room3.ask("consultant")
    room3.wait_for(lambda e: e["action"] == "created")
    assert room2.heard() == []


def test_a_handheld_back_from_a_dropped_connection_shows_the_true_queue(devices, live_server):
    codes = live_server.pairing_codes()
    chen = devices("handheld").sign_in("Chen Li", "3333")
    chen.connect()
    chen.disconnect()  # Wi-Fi drops
    for room in ("Room 4", "Room 5"):
        devices("tablet").pair(codes[room]).ask("consultant")
    chen.connect()  # back: the page re-reads its queue on (re)connect
    assert chen.heard() == []  # nothing reached it while it was away…
    assert chen.queue_ids() == live_server.open_request_ids()  # …yet it shows the whole truth
