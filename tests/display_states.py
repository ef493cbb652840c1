"""A realistic meet for the live-view, feed, page and browser tests.

Platform 1 (men, flight A) is on its second squats: the scoring table's ``lifting`` slice
points there. Platform 2 (women, flight A) has judged its first squats too.
"""

from __future__ import annotations

import copy
from typing import Any

FIELDS = {"S": ("squatKg", "squatStatus"), "B": ("benchKg", "benchStatus"), "D": ("deadliftKg", "deadliftStatus")}

PLATES_KG = [
    {"weightKg": 50, "pairCount": 0, "color": "#2AB003"}, {"weightKg": 25, "pairCount": 8, "color": "#FF0000"},
    {"weightKg": 20, "pairCount": 1, "color": "#4990E2"}, {"weightKg": 15, "pairCount": 1, "color": "#FFEF2A"},
    {"weightKg": 10, "pairCount": 1, "color": "#2AB003"}, {"weightKg": 5, "pairCount": 1, "color": "#FFFFFF"},
    {"weightKg": 2.5, "pairCount": 1, "color": "#000000"}, {"weightKg": 1.25, "pairCount": 1, "color": "#000000"},
    {"weightKg": 1, "pairCount": 1, "color": "#4990E2"}, {"weightKg": 0.5, "pairCount": 1, "color": "#2AB003"},
    {"weightKg": 0.25, "pairCount": 1, "color": "#4990E2"},
]

# id, platform, name, sex, division, bodyweight, lot, squat attempts (kg, status), bench opener, deadlift opener, rack
LIFTERS: list[tuple[Any, ...]] = [
    (5000, 1, "Magnus Halvorsen", "M", "Open", 92.4, 3, [(240, 1), (252.5, 0)], 160, 290, "12"),
    (5001, 1, "Jonas Eriksson", "M", "Open", 91.0, 7, [(235, 1), (245, 0)], 150, 280, "11"),
    (5002, 1, "Pieter van den Berg-Oosterhout", "M", "Masters 1", 104.2, 1, [(220, -1), (220, 0)], 145, 260, "13"),
    (5003, 1, "Lars Nilsson", "M", "Open", 82.7, 5, [(210, 1), (220, 0)], 140, 250, "10"),
    (5004, 1, "Oskar Lindqvist", "M", "Juniors", 82.9, 2, [(200, 1), (212.5, 0)], 135, 245, "10"),
    (5005, 1, "Zoë O'Neill & Co", "Mx", "Open", 73.5, 8, [(180, -1)], 120, 215, "9"),
    (5006, 1, "Henrik Dahl", "M", "Open", 119.3, 4, [(265, 1)], 180, 300, "14"),
    (5007, 1, "Erik Sandberg", "M", "Masters 1", 91.8, 6, [(230, 0)], 150, 270, "12"),
    (5010, 2, "Ingrid Solberg", "F", "Open", 62.8, 1, [(140, 1), (147.5, 0)], 80, 170, "8"),
    (5011, 2, "Astrid Berg", "F", "Open", 62.1, 2, [(135, 1), (142.5, 0)], 77.5, 165, "8"),
    (5012, 2, "Sofie Holm", "F", "Juniors", 56.4, 3, [(120, -1), (120, 0)], 65, 150, "7"),
    (5013, 2, "Maja Karlsson", "F", "Open", 75.9, 4, [(150, 0)], 90, 180, "9"),
]


def _attempts(pairs: list[tuple[float, int]]) -> tuple[list[float], list[int]]:
    kg = [w for w, _ in pairs] + [0] * (5 - len(pairs))
    status = [s for _, s in pairs] + [0] * (5 - len(pairs))
    return kg, status


def demo_entries() -> list[dict[str, Any]]:
    entries = []
    for entry_id, platform, name, sex, division, bw, lot, squats, bench, deadlift, rack in LIFTERS:
        squat_kg, squat_status = _attempts(squats)
        entries.append({
            "id": entry_id, "day": 1, "platform": platform, "flight": "A", "name": name, "sex": sex,
            "birthDate": "", "age": 0, "country": "Norway", "state": "", "intendedWeightClassKg": "",
            "equipment": "Sleeves", "divisions": [division], "events": ["SBD"], "lot": lot, "memberId": "",
            "paid": True, "team": "Bergen BK" if entry_id % 2 else "Oslo SK", "guest": False, "instagram": "", "notes": "",
            "bodyweightKg": bw, "squatRackInfo": rack, "benchRackInfo": "4/2",
            "squatKg": squat_kg, "benchKg": [bench, 0, 0, 0, 0], "deadliftKg": [deadlift, 0, 0, 0, 0],
            "squatStatus": squat_status, "benchStatus": [0] * 5, "deadliftStatus": [0] * 5,
        })
    return entries


def demo_state() -> dict[str, Any]:
    entries = demo_entries()
    return {
        "versions": {"stateVersion": "0", "releaseVersion": "1.4.0"},
        "language": "en",
        "meet": {
            "name": "Nordic Open 2025", "country": "Norway", "state": "", "city": "Bergen", "federation": "NSF",
            "date": "2025-03-15", "lengthDays": 1, "platformsOnDays": [2], "ageCoefficients": "FosterMcCulloch",
            "divisions": ["Open", "Juniors", "Masters 1"],
            "weightClassesKgMen": [59, 66, 74, 83, 93, 105, 120], "weightClassesKgWomen": [47, 52, 57, 63, 69, 76, 84],
            "weightClassesKgMx": [59, 66, 74, 83, 93, 105, 120],
            "formula": "Dots", "combineSleevesAndWraps": False, "combineSingleAndMulti": False, "allow4thAttempts": True,
            "inKg": True, "showAlternateUnits": True, "squatBarAndCollarsWeightKg": 25, "benchBarAndCollarsWeightKg": 25,
            "deadliftBarAndCollarsWeightKg": 25, "plates": copy.deepcopy(PLATES_KG),
        },
        "registration": {
            "nextEntryId": 5014,
            "entries": entries,
            "lookup": {str(e["id"]): i for i, e in enumerate(entries)},
        },
        "lifting": {"day": 1, "platform": 1, "flight": "A", "lift": "S", "overrideAttempt": None, "overrideEntryId": None,
                    "columnDivisionWidthPx": 90},
    }


FLIGHT_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIVISIONS = ["Open", "Juniors", "Sub-Juniors", "Masters 1", "Masters 2", "Masters 3"]
BODYWEIGHTS = {  # one lifter in each class of the demo meet
    "M": [58.2, 65.1, 73.4, 82.0, 92.3, 104.1, 119.0, 128.5],
    "F": [46.5, 51.8, 56.4, 62.7, 68.9, 75.5, 83.2, 90.1],
    "Mx": [72.0, 95.5],
}


def national_state(lifters: int, platforms: int = 3, flights: int = 5, days: int = 1) -> dict[str, Any]:
    """A national meet: the demo lifters cloned ``lifters`` times over, spread over ``days``
    days of ``platforms`` platforms with ``flights`` flights each, every platform's table
    on its flight A squats (``live.lifting.d<day>p<platform>``). Divisions, equipment, classes, lots and
    openers vary as in a real national meet (about 200 categories), so the lifting order,
    classes and places are not all ties."""
    state = demo_state()
    template = demo_entries()
    entries = []
    for n in range(lifters):
        entry = copy.deepcopy(template[n % len(template)])
        spread = (n * 7919) % 97  # deterministic, well mixed
        entry["id"] = 10000 + n
        entry["name"] = f"{entry['name']} {n}"
        entry["day"] = 1 + (n * days) // lifters
        entry["platform"] = 1 + n % platforms
        flight = (n // platforms) % flights
        entry["flight"] = FLIGHT_LETTERS[flight % 26] + (str(flight // 26) if flight >= 26 else "")  # past Z: A1, B1, ...
        entry["lot"] = 1 + spread
        entry["divisions"] = [DIVISIONS[(n // 7) % len(DIVISIONS)]]
        entry["equipment"] = "Single-ply" if spread % 4 == 0 else "Sleeves"
        classes = BODYWEIGHTS[entry["sex"]]
        entry["bodyweightKg"] = classes[(n // 3) % len(classes)]
        entry["squatKg"] = [w + 2.5 * (spread % 9) if w else 0 for w in entry["squatKg"]]
        entry["benchKg"][0] += 2.5 * (spread % 7)
        entry["deadliftKg"][0] += 2.5 * (spread % 11)
        entries.append(entry)
    state["meet"]["divisions"] = list(DIVISIONS)
    state["meet"]["lengthDays"] = days
    state["meet"]["platformsOnDays"] = [platforms] * days
    state["registration"] = {
        "nextEntryId": 10000 + lifters,
        "entries": entries,
        "lookup": {str(e["id"]): i for i, e in enumerate(entries)},
    }
    state["live"] = {"lifting": {
        f"d{d}p{p}": dict(state["lifting"], day=d, platform=p) for d in range(1, days + 1) for p in range(1, platforms + 1)
    }}
    return state


def entry_index(state: dict[str, Any], entry_id: int) -> int:
    return state["registration"]["lookup"][str(entry_id)]


def mark(state: dict[str, Any], entry_id: int, lift: str, attempt: int, good: bool) -> tuple[str, Any]:
    """Judge an attempt in ``state``; returns the (updateKey, updateValue) a client would send."""
    index = entry_index(state, entry_id)
    field = FIELDS[lift][1]
    statuses = state["registration"]["entries"][index][field]
    statuses[attempt - 1] = 1 if good else -1
    return f"registration.entries[{index}].{field}", list(statuses)


def declare(state: dict[str, Any], entry_id: int, lift: str, attempt: int, kg: float) -> tuple[str, Any]:
    index = entry_index(state, entry_id)
    field = FIELDS[lift][0]
    weights = state["registration"]["entries"][index][field]
    weights[attempt - 1] = kg
    return f"registration.entries[{index}].{field}", list(weights)


def whole_state_updates(state: dict[str, Any]) -> list[tuple[str, Any]]:
    return list(state.items())


# ---- a live meet on a test server --------------------------------------------------------


class LiveMeetHandle:
    """A meet created through /ws holding ``state``; ``change`` sends updates as the table."""

    def __init__(self, client: Any, meet_id: str, display_key: str, token: str, head: int) -> None:
        self.client = client
        self.meet_id = meet_id
        self.display_key = display_key
        self.token = token
        self.head = head
        self.local = head

    def path(self, page: str, **params: str) -> str:
        from urllib.parse import urlencode

        return f"meets/{self.meet_id}/{page}?{urlencode({'key': self.display_key, **params})}"

    async def change(self, *updates: tuple[str, Any], wait: bool = True) -> None:
        from support import update, update_message

        batch = []
        for key, value in updates:
            self.local += 1
            batch.append(update(key, value, self.local, self.head))
        await self.client.send(update_message(self.token, *batch))
        if wait:
            ack = await self.client.recv()
            assert ack["msgType"] == "UPDATE_ACK", ack
            self.head = max(a["serverSeqNum"] for a in ack["updateAcks"])


async def create_live_meet(client: Any, state: dict[str, Any] | None = None) -> LiveMeetHandle:
    from support import create_message, update, update_message

    created = await client.request(create_message())
    assert created["msgType"] == "MEET_CREATED", created
    updates = [update(k, v, i + 1) for i, (k, v) in enumerate(whole_state_updates(state if state is not None else demo_state()))]
    ack = await client.request(update_message(created["sessionToken"], *updates))
    assert ack["msgType"] == "UPDATE_ACK", ack
    return LiveMeetHandle(client, created["meetId"], created["displayKey"], created["sessionToken"], len(updates))
