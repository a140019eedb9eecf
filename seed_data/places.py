"""Canadian cities, phone area codes and invented street addresses for synthetic clients and sites.

Street numbers, names and postal codes are drawn at random, so an address looks right on a form (including the
French style used in Quebec) without pointing at anyone's real home.
"""

import math
import random
from dataclasses import dataclass

from seed_data.draw import between, pick

_POSTAL_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"  # Canada Post never uses D, F, I, O, Q or U


@dataclass(frozen=True, slots=True)
class City:
    name: str
    province: str
    site_prefix: str
    postal_district: str  # first letter of the city's postal codes
    area_codes: tuple[str, ...]

    @property
    def in_quebec(self) -> bool:
        return self.province == "QC"


CITIES: tuple[City, ...] = (
    City("Toronto", "ON", "TOR", "M", ("416", "647", "437")),
    City("Mississauga", "ON", "MIS", "L", ("905", "289", "365")),
    City("Brampton", "ON", "BRA", "L", ("905", "289")),
    City("Hamilton", "ON", "HAM", "L", ("905", "289")),
    City("Ottawa", "ON", "OTT", "K", ("613", "343")),
    City("London", "ON", "LON", "N", ("519", "226", "548")),
    City("Kitchener", "ON", "KIT", "N", ("519", "226")),
    City("Windsor", "ON", "WSR", "N", ("519", "226")),
    City("Montréal", "QC", "MTL", "H", ("514", "438")),
    City("Québec", "QC", "QUE", "G", ("418", "581")),
    City("Gatineau", "QC", "GAT", "J", ("819", "873")),
    City("Sherbrooke", "QC", "SHE", "J", ("819", "873")),
    City("Winnipeg", "MB", "WPG", "R", ("204", "431")),
    City("Regina", "SK", "REG", "S", ("306", "639")),
    City("Saskatoon", "SK", "SAS", "S", ("306", "639")),
    City("Calgary", "AB", "CGY", "T", ("403", "587", "825")),
    City("Edmonton", "AB", "EDM", "T", ("780", "587", "825")),
    City("Vancouver", "BC", "VAN", "V", ("604", "778", "236")),
    City("Surrey", "BC", "SUR", "V", ("604", "778")),
    City("Victoria", "BC", "VIC", "V", ("250", "778")),
    City("Halifax", "NS", "HFX", "B", ("902", "782")),
    City("Moncton", "NB", "MON", "E", ("506",)),
    City("Fredericton", "NB", "FRE", "E", ("506",)),
    City("St. John's", "NL", "STJ", "A", ("709",)),
    City("Charlottetown", "PE", "CHA", "C", ("902", "782")),
)

_STREETS = (
    "Maple", "Birch", "Cedar", "Elm", "Pine", "Willow", "Lakeshore", "Riverside", "Highland", "Park", "Church",
    "Victoria", "Queen", "King", "Main", "Mill", "Bridge", "Station", "College", "Orchard", "Meadowvale", "Sunnyside",
)  # fmt: skip
_STREET_KINDS = ("Street", "Avenue", "Road", "Drive", "Crescent", "Boulevard", "Court", "Way", "Lane")
_RUES = (
    "rue Principale", "rue Saint-Denis", "rue des Érables", "boulevard de la Concorde", "avenue du Parc",
    "chemin du Lac", "rue Sainte-Hélène", "rue de l'Église", "avenue des Pins", "boulevard Saint-Joseph",
)  # fmt: skip


def random_address(rng: random.Random, city: City) -> str:
    """A street address in ``city``, with an apartment number now and then."""
    number = between(rng, 1, 9999)
    apartment = between(rng, 101, 2412) if rng.random() < 0.35 else None
    postal = _postal_code(rng, city)
    if city.in_quebec:
        unit = f", app. {apartment}" if apartment else ""
        return f"{number}, {pick(rng, _RUES)}{unit}, {city.name} (Québec) {postal}"
    unit = f"{apartment}-" if apartment else ""
    street = f"{pick(rng, _STREETS)} {pick(rng, _STREET_KINDS)}"
    return f"{unit}{number} {street}, {city.name}, {city.province} {postal}"


def _postal_code(rng: random.Random, city: City) -> str:
    letters = _POSTAL_LETTERS
    return (
        f"{city.postal_district}{between(rng, 0, 9)}{pick(rng, letters)} "
        f"{between(rng, 0, 9)}{pick(rng, letters)}{between(rng, 0, 9)}"
    )


class PhoneNumbers:
    """Hands out "+1 416-555-0123"-style numbers, every one different until all area codes' 555 lines are used.

    Numbers walk the space with a stride coprime to its size, so they look scattered yet never repeat early; a
    repeat would make unrelated clients look like duplicates of each other.
    """

    def __init__(self, rng: random.Random) -> None:
        self._area_codes = sorted({code for city in CITIES for code in city.area_codes})
        self._size = len(self._area_codes) * 10_000
        self._position = rng.randrange(self._size)
        self._stride = rng.randrange(1_000, self._size)
        while math.gcd(self._stride, self._size) != 1:
            self._stride += 1

    def next(self) -> str:
        self._position = (self._position + self._stride) % self._size
        area, line = divmod(self._position, 10_000)
        return f"+1 {self._area_codes[area]}-555-{line:04d}"
