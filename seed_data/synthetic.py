"""Large, realistic, reproducible data sets for tests and benchmarks.

Every generator takes a seed and draws from its own ``random.Random``, so the same seed gives the same records
(ids included) on every machine, and a failing test or a slow benchmark can be replayed exactly. The records are
the domain's own dataclasses and pass the domain's validation, so they can be saved, synced and searched like
records a worker made.
"""

import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from app.domain.clients import Client
from app.domain.codes import (
    DELIVERY_METHODS,
    GROUP_ACTIVITY,
    SERVICE_TYPES,
    SERVICES_BY_TYPE,
)
from app.domain.sessions import Referral, ServiceForm, Session
from app.domain.text import latin_fold
from seed_data.draw import between, pick, weighted_pool
from seed_data.names import ORIGINS, PREFERRED_ANY, PREFERRED_FEMALE, PREFERRED_MALE, Origin
from seed_data.native_names import NATIVE_NAMES, NativeNames
from seed_data.phrases import ACTIVITIES, FORM_NOTES, REFERRALS, SESSION_NOTES, SITE_KINDS
from seed_data.places import CITIES, PhoneNumbers, random_address
from seed_data.reference import DEMO_PASSWORD, DemoWorker, Site

_ORIGIN_POOL = weighted_pool({origin: origin.weight for origin in ORIGINS})
_EARLIEST_BIRTH = date(1940, 1, 1).toordinal()
_LATEST_BIRTH = date(2020, 12, 31).toordinal()
_EARLIEST_PARENT_BIRTH = date(1950, 1, 1).toordinal()
_LATEST_PARENT_BIRTH = date(1995, 12, 31).toordinal()
_TYPICAL_BIRTH = date(1988, 6, 1).toordinal()
_YEAR = 365
_FAMILY_CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # the device's family-code style: no 0/O or 1/I

_FAMILY_SHARE = 0.1  # chance a household is a family; with 2-6 members, about 30% of clients are in one
_SINGLE_MARITAL = weighted_pool(
    {"single": 50, "married": 15, "common_law": 5, "separated": 8, "divorced": 10, "widowed": 7, "undisclosed": 5}
)
_IMMIGRATION = weighted_pool(
    {
        "permanent_resident": 40,
        "refugee": 20,
        "refugee_claimant": 10,
        "temporary_worker": 10,
        "student": 8,
        "citizen": 7,
        "other": 5,
    }
)
_EMAIL_DOMAINS = ("example.org", "example.com", "example.net")

_SESSION_TYPES = weighted_pool({"direct_service": 5, "language_training": 2, GROUP_ACTIVITY: 3})
_REMOTE_METHODS = tuple(code for code in DELIVERY_METHODS if code != "in_person")
_SERVICE_TYPE_CODES = tuple(SERVICE_TYPES)
_STATUSES = weighted_pool({"complete": 6, "ongoing": 3, "ended_early": 1})


def synthetic_clients(
    count: int, *, agency_id: str, created_by: str, seed: int = 0, today: date | None = None
) -> Iterator[Client]:
    """``count`` registered clients, family members one after another, each passing ``validate_client``."""
    households = _Households(random.Random(seed), agency_id, created_by, today or date.today())
    made = 0
    while made < count:
        members = households.next(count - made)
        yield from members
        made += len(members)


def synthetic_sites(count: int, *, seed: int = 0) -> Iterator[Site]:
    """``count`` sites across Canadian cities. Codes have four digits ("TOR-0001"), so they never clash with the
    demo agency's three-digit codes when both are loaded."""
    rng = random.Random(seed)
    numbers: dict[str, int] = {}
    for _ in range(count):
        city = pick(rng, CITIES)
        numbers[city.site_prefix] = numbers.get(city.site_prefix, 0) + 1
        code = f"{city.site_prefix}-{numbers[city.site_prefix]:04d}"
        yield Site(code=code, name=f"{city.name} {pick(rng, SITE_KINDS)}", address=random_address(rng, city))


def synthetic_workers(count: int, *, seed: int = 0) -> Iterator[DemoWorker]:
    """``count`` workers who sign in with the demo password; every tenth is a supervisor, starting with the first.

    User ids end in the worker's number, so they are unique and never equal a demo worker's id.
    """
    rng = random.Random(seed)
    for number in range(1, count + 1):
        origin = _pick_origin(rng)
        first = pick(rng, origin.female_names if rng.random() < 0.5 else origin.male_names)
        last = pick(rng, origin.family_names)
        user_id = f"{latin_fold(first)[0]}{latin_fold(last).replace(' ', '')}{number}"
        role = "supervisor" if number % 10 == 1 else "worker"
        yield DemoWorker(user_id=user_id, name=f"{first} {last}", role=role, password=DEMO_PASSWORD)


def synthetic_sessions(
    count: int,
    *,
    clients: Sequence[Client],
    agency_id: str,
    workers: Sequence[str],
    site_codes: Sequence[str],
    language_codes: Sequence[str],
    location_codes: Sequence[str],
    seed: int = 0,
    today: date | None = None,
    forms_per_session: tuple[int, int] = (1, 3),
    within_days: int = 2 * _YEAR,
) -> Iterator[Session]:
    """``count`` sessions over the given clients and reference codes, each passing ``validate_session``, on days
    within the last ``within_days``.

    Family members are served together where the family is large enough; about one service form in four is left
    incomplete, as workers leave them between visits.
    """
    if not (clients and workers and site_codes and language_codes and location_codes):
        raise ValueError("synthetic sessions need clients, workers, sites, languages and location types")
    fewest, most = forms_per_session
    if not 1 <= fewest <= most:
        raise ValueError(f"forms_per_session must be (least, most) with 1 <= least <= most, got {forms_per_session}")
    sessions = _Sessions(
        random.Random(seed), clients, agency_id, workers, site_codes, language_codes, location_codes, today,
        within_days,
    )  # fmt: skip
    for _ in range(count):
        yield sessions.next(min(between(sessions.rng, fewest, most), len(clients)))


def _pick_origin(rng: random.Random) -> Origin:
    return pick(rng, _ORIGIN_POOL)


def _new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _family_code(rng: random.Random) -> str:
    """Eight letters in the style the device makes them, from 40 random bits (5 per letter)."""
    bits = rng.getrandbits(40)
    return "F-" + "".join(_FAMILY_CODE_LETTERS[(bits >> shift) & 31] for shift in range(0, 40, 5))


def _timestamp(rng: random.Random, day: date) -> str:
    """A moment in office hours on ``day``, in the ISO form the store and the wire use."""
    hour, five_minutes = divmod(between(rng, 8 * 12, 19 * 12 - 1), 12)
    return f"{day.isoformat()}T{hour:02d}:{5 * five_minutes:02d}:00+00:00"


@dataclass(frozen=True, slots=True)
class _Household:
    """What the members of one household have in common."""

    origin: Origin
    names: Origin | NativeNames  # the pools its members' names come from: romanised, or in the origin's own script
    immigration_category: str
    phone: str
    address: str
    family_code: str


class _Households:
    """Makes one household at a time: a person alone, or a family sharing name, phone, address and arrival."""

    def __init__(self, rng: random.Random, agency_id: str, created_by: str, today: date) -> None:
        self.rng = rng
        self.agency_id = agency_id
        self.created_by = created_by
        self.today = today.toordinal()
        self.latest_birth = min(_LATEST_BIRTH, self.today)
        self.phones = PhoneNumbers(rng)
        self.serial = 0

    def next(self, room: int) -> list[Client]:
        rng = self.rng
        size = between(rng, 2, min(6, room)) if room >= 2 and rng.random() < _FAMILY_SHARE else 1
        origin = _pick_origin(rng)
        native = NATIVE_NAMES.get(origin.country)
        household = _Household(
            origin=origin,
            names=native if native and rng.random() < native.share else origin,
            immigration_category=pick(rng, _IMMIGRATION),
            phone=self.phones.next() if size > 1 or rng.random() < 0.9 else "",
            address=random_address(rng, pick(rng, CITIES)) if rng.random() < 0.75 else "",
            family_code=_family_code(rng) if size > 1 else "",
        )
        last_name = pick(rng, household.names.family_names)
        people = self._people(size)
        arrival = between(rng, max(max(born for born, _, _ in people), self.today - 15 * _YEAR), self.today)
        return [self._member(household, last_name, person, arrival) for person in people]

    def _people(self, size: int) -> list[tuple[int, str, str]]:
        """(birth day ordinal, gender, marital status) of each member; a family is a couple or parent with kids."""
        rng = self.rng
        if size == 1:
            born = int(rng.triangular(_EARLIEST_BIRTH, self.latest_birth, min(_TYPICAL_BIRTH, self.latest_birth)))
            return [(born, self._gender(), self._marital(born))]
        head = self._day(_EARLIEST_PARENT_BIRTH, _LATEST_PARENT_BIRTH)
        head_gender = self._gender()
        people = [(head, head_gender, "married")]
        if rng.random() < 0.8:
            partner_gender = {"female": "male", "male": "female"}.get(head_gender, self._gender())
            people.append((self._day(head - 6 * _YEAR, head + 6 * _YEAR), partner_gender, "married"))
        else:
            people[0] = (head, head_gender, pick(rng, ("single", "separated", "divorced", "widowed")))
        while len(people) < size:
            child = self._day(head + 18 * _YEAR, head + 45 * _YEAR)
            people.append((child, self._gender(), self._marital(child)))
        return people

    def _member(self, household: _Household, last_name: str, person: tuple[int, str, str], arrival: int) -> Client:
        rng = self.rng
        born, gender, marital = person
        origin = household.origin
        self.serial += 1
        names = household.names
        first = pick(rng, names.female_names if _looks_female(rng, gender) else names.male_names)
        adult = self.today - born >= 18 * _YEAR
        registered = date.fromordinal(between(rng, arrival, self.today))
        stamp = _timestamp(rng, registered)
        return Client(
            id=_new_id(rng),
            agency_id=self.agency_id,
            first_name=first,
            last_name=last_name,
            preferred_name=_preferred_name(rng, gender) if rng.random() < 0.12 else "",
            date_of_birth=date.fromordinal(born),
            gender=gender,
            marital_status=marital,
            official_language=_official_language(rng, origin),
            country_of_origin=origin.country,
            arrival_date=date.fromordinal(arrival),
            immigration_category=household.immigration_category,
            phone=household.phone,
            email=_email(rng, first, last_name) if adult and rng.random() < 0.5 else "",
            address=household.address,
            consent=True,
            client_identifier=f"C{self.serial:07d}" if (identified := rng.random() < 0.4) else "",
            client_identifier_kind="pr_card" if identified else None,
            family_code=household.family_code,
            created_by=self.created_by,
            created_at=stamp,
            updated_at=stamp,
        )

    def _day(self, earliest: int, latest: int) -> int:
        """A birth day between the bounds, kept within the allowed birth years and never after today."""
        latest = min(latest, self.latest_birth)
        earliest = min(max(earliest, _EARLIEST_BIRTH), latest)
        return between(self.rng, earliest, latest)

    def _gender(self) -> str:
        roll = self.rng.random()
        if roll < 0.98:
            return "female" if roll < 0.49 else "male"
        return "another" if roll < 0.99 else "undisclosed"

    def _marital(self, born: int) -> str:
        if self.today - born < 18 * _YEAR:
            return "single"
        return pick(self.rng, _SINGLE_MARITAL)


def _looks_female(rng: random.Random, gender: str) -> bool:
    if gender in ("female", "male"):
        return gender == "female"
    return rng.random() < 0.5


def _preferred_name(rng: random.Random, gender: str) -> str:
    pool = {"female": PREFERRED_FEMALE, "male": PREFERRED_MALE}.get(gender, PREFERRED_ANY)
    return pick(rng, pool)


def _official_language(rng: random.Random, origin: Origin) -> str:
    roll = rng.random()
    if roll < 0.8:
        return "fr" if origin.speaks_french else "en"
    if roll < 0.9:
        return "en" if origin.speaks_french else "fr"
    return "unknown"


def _email(rng: random.Random, first: str, last: str) -> str:
    return f"{_email_name(first, last)}{between(rng, 1, 99)}@{pick(rng, _EMAIL_DOMAINS)}"


@cache
def _email_name(first: str, last: str) -> str:
    """The ASCII part before the @ ("Ngọc Anh", "Nguyễn" -> "ngoc.anh.nguyen", "Олена", "Шевченко" ->
    "olena.shevchenko"); cached as names repeat often."""
    return ".".join(latin_fold(f"{first} {last}").split())


class _Sessions:
    """Makes sessions one at a time from fixed pools of clients, workers and reference codes."""

    def __init__(
        self,
        rng: random.Random,
        clients: Sequence[Client],
        agency_id: str,
        workers: Sequence[str],
        site_codes: Sequence[str],
        language_codes: Sequence[str],
        location_codes: Sequence[str],
        today: date | None,
        within_days: int,
    ) -> None:
        self.rng = rng
        self.within_days = within_days
        self.clients = clients
        self.agency_id = agency_id
        self.workers = workers
        self.site_codes = site_codes
        self.language_codes = language_codes
        self.location_codes = location_codes
        self.today = today or date.today()
        self.families: dict[str, list[Client]] = {}
        for client in clients:
            if client.family_code:
                self.families.setdefault(client.family_code, []).append(client)

    def next(self, client_count: int) -> Session:
        rng = self.rng
        session_type = pick(rng, _SESSION_TYPES)
        group = session_type == GROUP_ACTIVITY
        staff = (
            rng.sample(self.workers, min(between(rng, 1, 3), len(self.workers))) if group else [pick(rng, self.workers)]
        )
        served = self._clients(client_count)
        service_date = self._service_date(served)
        methods = self._delivery_methods()
        interpreters = pick(rng, (1, 1, 2)) if rng.random() < 0.2 else 0
        activity, topic = pick(rng, ACTIVITIES) if group else ("", "")
        stamp = _timestamp(rng, service_date)
        return Session(
            id=_new_id(rng),
            agency_id=self.agency_id,
            created_by=staff[0],
            session_type=session_type,
            service_date=service_date,
            site_code=pick(rng, self.site_codes),
            delivery_methods=methods,
            service_location_type=self._location(methods),
            interpreter_present=interpreters > 0,
            interpreters=interpreters,
            service_minutes=15 * between(rng, 4, 16) if group else 5 * between(rng, 3, 24),
            languages=self._languages(),
            staff=staff,
            notes=pick(rng, SESSION_NOTES) if rng.random() < 0.3 else "",
            activity_name=activity,
            activity_topic=topic,
            service_forms=[self._service_form(client, service_date) for client in served],
            created_at=stamp,
            updated_at=stamp,
        )

    def _clients(self, count: int) -> list[Client]:
        """One client, then their family members, then others until ``count`` distinct clients."""
        rng = self.rng
        first = pick(rng, self.clients)
        relatives = [c for c in self.families.get(first.family_code, ()) if c is not first]
        chosen = [first, *rng.sample(relatives, min(len(relatives), count - 1))]
        taken = {client.id for client in chosen}
        for client in rng.sample(self.clients, min(len(self.clients), 2 * count)):
            if len(chosen) == count:
                break
            if client.id not in taken:
                chosen.append(client)
                taken.add(client.id)
        return chosen

    def _service_date(self, served: list[Client]) -> date:
        """Within the last ``within_days``, and not before any of the clients arrived."""
        latest = self.today.toordinal()
        arrivals = [client.arrival_date.toordinal() for client in served if client.arrival_date]
        earliest = min(max([latest - self.within_days, *arrivals]), latest)
        return date.fromordinal(between(self.rng, earliest, latest))

    def _delivery_methods(self) -> list[str]:
        if self.rng.random() < 0.7:
            return ["in_person"]
        return self.rng.sample(_REMOTE_METHODS, between(self.rng, 1, 2))

    def _location(self, methods: list[str]) -> str:
        online = "in_person" not in methods and "online" in self.location_codes and self.rng.random() < 0.8
        return "online" if online else pick(self.rng, self.location_codes)

    def _languages(self) -> list[str]:
        rng = self.rng
        official = [code for code in ("en", "fr") if code in self.language_codes]
        first = pick(rng, official) if official and rng.random() < 0.7 else pick(rng, self.language_codes)
        second = pick(rng, self.language_codes)
        return [first, second] if second != first and rng.random() < 0.3 else [first]

    def _service_form(self, client: Client, service_date: date) -> ServiceForm:
        rng = self.rng
        service_type = pick(rng, _SERVICE_TYPE_CODES)
        offered = tuple(SERVICES_BY_TYPE[service_type])
        form = ServiceForm(
            id=_new_id(rng),
            client_id=client.id,
            service_type=service_type,
            services=rng.sample(offered, between(rng, 1, min(3, len(offered)))),
            referrals=[self._referral(service_date)] if rng.random() < 0.2 else [],
            client_attended=rng.random() < 0.93,
            status=pick(rng, _STATUSES),
            private=rng.random() < 0.1,
            notes=pick(rng, FORM_NOTES) if rng.random() < 0.4 else "",
        )
        if rng.random() < 0.25:
            _leave_unfinished(rng, form)
        return form

    def _referral(self, service_date: date) -> Referral:
        to, reason = pick(self.rng, REFERRALS)
        follow_up = service_date + timedelta(days=between(self.rng, 7, 60)) if self.rng.random() < 0.7 else None
        return Referral(to=to, reason=reason, follow_up_date=follow_up)


def _leave_unfinished(rng: random.Random, form: ServiceForm) -> None:
    """Blank what a worker typically has not filled in yet, so the form shows as incomplete."""
    gap = between(rng, 0, 2)
    if gap == 0:
        form.status = None
    elif gap == 1:
        form.services = []
    else:
        form.service_type, form.services, form.status = None, [], None
