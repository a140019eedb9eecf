"""The demo agency's caseload: what a newcomer trying ``make demo`` finds, as if the agency had been at work a while.

Three hundred clients, families among them, about a third named in their own scripts, most of those also with
the "Name in Latin letters" their documents print (``latin_forms.py``: a worker finds "يوسف" by typing "youssef"),
registered by the demo workers over the past years; and four weeks of sessions up to today by several of those
workers, some service forms still incomplete. Three people were registered twice, on two tablets, once in Latin
letters and once in their own script ("Olena Shevchenko" and "Олена Шевченко"): the server's list of possible
duplicates shows them, and registering one of them again on a device shows the warning. One client a newcomer can
try by name: "فاطمة الزهراء", registered with the "Fatima Al-Zahraa" on her papers, whom typing "fatima" finds.

The same seed gives the same records every time (ids included), so loading the caseload twice adds nothing.
"""

import random
import uuid
from dataclasses import dataclass, replace
from datetime import date

from app.domain.clients import Client
from app.domain.sessions import Session
from seed_data.latin_forms import documented_latin_name
from seed_data.reference import DemoReference
from seed_data.synthetic import synthetic_clients, synthetic_sessions

SEED = 20_250_301
CLIENTS = 300
SESSIONS = 240
WEEKS_OF_SESSIONS = 4
LATIN_NAME_RECORDED = 0.9  # of clients named in another script: the rest were registered without their documents
_IDS = uuid.UUID("6f0d8e52-3b4a-4f7e-9a51-0c2b9e7d1a30")  # namespace of the demo's hand-made records

# (country, date of birth, (first, last) in Latin letters, (first, last) in the person's own script)
REGISTERED_TWICE = (
    ("Ukraine", date(1985, 3, 2), ("Olena", "Shevchenko"), ("Олена", "Шевченко")),
    ("Syria", date(1990, 7, 15), ("Fatima", "Al-Hassan"), ("فاطمة", "الحسن")),
    ("China", date(1992, 1, 20), ("Fang", "Wang"), ("芳", "王")),
)

# (country, date of birth, (first, last) in the person's own script, the name in Latin letters on their papers)
IN_TWO_FORMS = (("Syria", date(1987, 11, 4), ("فاطمة", "الزهراء"), "Fatima Al-Zahraa"),)


@dataclass(frozen=True, slots=True)
class Caseload:
    clients: list[Client]
    sessions: list[Session]


def demo_caseload(reference: DemoReference, *, today: date) -> Caseload:
    """The demo agency's clients and its last ``WEEKS_OF_SESSIONS`` weeks of sessions, as of ``today``."""
    field_workers = [worker.user_id for worker in reference.workers if worker.role == "worker"]
    made = list(
        synthetic_clients(CLIENTS, agency_id=reference.agency.id, created_by=field_workers[0], seed=SEED, today=today)
    )
    recorded = random.Random(SEED)
    clients = [
        replace(
            client,
            created_by=field_workers[n % len(field_workers)],
            latin_name=documented_latin_name(client) if recorded.random() < LATIN_NAME_RECORDED else "",
        )
        for n, client in enumerate(made)
    ]
    clients += _registered_twice(clients, field_workers) + _in_two_forms(clients, field_workers)
    sessions = synthetic_sessions(
        SESSIONS,
        clients=clients,
        agency_id=reference.agency.id,
        workers=field_workers,
        site_codes=[site.code for site in reference.sites],
        language_codes=[language.code for language in reference.languages],
        location_codes=[location.code for location in reference.location_types],
        seed=SEED,
        today=today,
        within_days=7 * WEEKS_OF_SESSIONS,
    )
    return Caseload(clients=clients, sessions=list(sessions))


def _registered_twice(clients: list[Client], workers: list[str]) -> list[Client]:
    """Each person of ``REGISTERED_TWICE`` as two records by two workers, made from clients living alone."""
    alone = [client for client in clients if not client.family_code]
    twice: list[Client] = []
    for n, (country, born, latin, own) in enumerate(REGISTERED_TWICE):
        for m, (first, last) in enumerate((latin, own)):
            template = alone[2 * n + m]
            twice.append(
                replace(
                    template,
                    id=str(uuid.uuid5(_IDS, f"registered-twice/{n}/{m}")),
                    first_name=first,
                    last_name=last,
                    preferred_name="",
                    latin_name="",  # the template's would be another person's
                    date_of_birth=born,
                    country_of_origin=country,
                    arrival_date=max(template.arrival_date or born, born),
                    email="",
                    phone="",
                    client_identifier="",
                    created_by=workers[(2 * n + m + 1) % len(workers)],
                )
            )
    return twice


def _in_two_forms(clients: list[Client], workers: list[str]) -> list[Client]:
    """Each person of ``IN_TWO_FORMS``, made from a client living alone that ``_registered_twice`` left."""
    alone = [client for client in clients if not client.family_code][2 * len(REGISTERED_TWICE) :][: len(IN_TWO_FORMS)]
    return [
        replace(
            template,
            id=str(uuid.uuid5(_IDS, f"in-two-forms/{n}")),
            first_name=names[0],
            last_name=names[1],
            preferred_name="",
            latin_name=latin_name,
            own_script_name="",
            date_of_birth=born,
            country_of_origin=country,
            arrival_date=max(template.arrival_date or born, born),
            email="",
            phone="",  # the template's would make her look like a duplicate of the template
            client_identifier="",
            created_by=workers[n % len(workers)],
        )
        for n, (template, (country, born, names, latin_name)) in enumerate(zip(alone, IN_TWO_FORMS, strict=True))
    ]
