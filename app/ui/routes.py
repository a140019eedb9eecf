"""The app's screens by route: the destinations of the navigation (one more for supervisors), and for every route
its pattern, app bar title, screen builder, destination and, where the back arrow must not simply retrace the
worker's steps, its parent.
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import flet as ft

from app.i18n import N_, Translator
from app.ui.context import AppContext
from app.ui.screens.agency_sessions import agency_sessions_view
from app.ui.screens.client_dashboard import client_dashboard_view
from app.ui.screens.client_form import edit_client_view, register_client_view
from app.ui.screens.client_profile import client_profile_view
from app.ui.screens.dashboard import dashboard_view
from app.ui.screens.find import find_view
from app.ui.screens.my_profile import my_profile_view
from app.ui.screens.service_form import service_form_view
from app.ui.screens.session_form import session_form_view, session_route
from app.ui.screens.sync_details import sync_details_view
from app.usecases.context import Actor

SIGN_IN_ROUTE = "/sign-in"
HOME_ROUTE = "/"


@dataclass(frozen=True, slots=True)
class Destination:
    label: str
    """The full name, on the tablet's rail and as the screen's title."""
    tab_label: Callable[[Translator], str]
    """The short name on the phone's bottom bar, in the worker's language: five must each fit on one line. Its own
    catalog context ("bottom tab") keeps it apart from the same English word elsewhere (a client's "Dashboard" button
    is "Tableau de bord", too long for a fifth of a phone's width)."""
    icon: ft.IconData
    selected_icon: ft.IconData
    route: str
    supervisors_only: bool = False


DASHBOARD, AGENCY, FIND, SYNC, PROFILE = "/", "/agency", "/find", "/sync", "/profile"
DESTINATIONS = (
    Destination(
        N_("My Dashboard"),
        lambda tr: tr.pgettext("bottom tab", "Dashboard"),
        ft.Icons.HOME_OUTLINED,
        ft.Icons.HOME,
        DASHBOARD,
    ),
    Destination(
        N_("Agency sessions"),
        lambda tr: tr.pgettext("bottom tab", "Agency"),
        ft.Icons.GROUPS_OUTLINED,
        ft.Icons.GROUPS,
        AGENCY,
        supervisors_only=True,
    ),
    Destination(
        N_("Find Client/Activity"),
        lambda tr: tr.pgettext("bottom tab", "Find"),
        ft.Icons.PERSON_SEARCH_OUTLINED,
        ft.Icons.PERSON_SEARCH,
        FIND,
    ),
    Destination(N_("Sync"), lambda tr: tr.pgettext("bottom tab", "Sync"), ft.Icons.SYNC_OUTLINED, ft.Icons.SYNC, SYNC),
    Destination(
        N_("My Profile"),
        lambda tr: tr.pgettext("bottom tab", "Profile"),
        ft.Icons.ACCOUNT_CIRCLE_OUTLINED,
        ft.Icons.ACCOUNT_CIRCLE,
        PROFILE,
    ),
)


def destinations_for(actor: Actor | None) -> list[Destination]:
    """The navigation a worker gets: supervisors (and administrators) also get the agency's sessions."""
    supervisor = actor is not None and actor.is_supervisor
    return [destination for destination in DESTINATIONS if supervisor or not destination.supervisors_only]


@dataclass(frozen=True, slots=True)
class RouteMatch:
    params: dict[str, str]
    query: dict[str, str]


ScreenBuilder = Callable[[AppContext, RouteMatch], ft.Control | Awaitable[ft.Control]]


@dataclass(frozen=True, slots=True)
class Route:
    pattern: re.Pattern[str]
    title: str
    """The app bar's title, marked for the catalog and translated when shown."""
    build: ScreenBuilder
    destination: str
    """The route of the navigation destination it is under."""
    top_level: bool = False
    parent: Callable[[RouteMatch], str] | None = None
    """Where the back arrow goes whatever came before (a service form's session, even if it was opened as new)."""


def _route(pattern: str, title: str, build: ScreenBuilder, destination: str, *, top_level: bool = False,
           parent: Callable[[RouteMatch], str] | None = None) -> Route:  # fmt: skip
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
    return Route(re.compile(f"^{regex}$"), title, build, destination, top_level, parent)


ROUTES = (
    _route("/", N_("My Dashboard"), lambda ctx, m: dashboard_view(ctx), DASHBOARD, top_level=True),
    _route("/agency", N_("Agency sessions"), lambda ctx, m: agency_sessions_view(ctx), AGENCY, top_level=True),
    _route("/find", N_("Find Client/Activity"), lambda ctx, m: find_view(ctx), FIND, top_level=True),
    _route("/sync", N_("Sync"), lambda ctx, m: sync_details_view(ctx), SYNC, top_level=True),
    _route("/profile", N_("My Profile"), lambda ctx, m: my_profile_view(ctx), PROFILE, top_level=True),
    _route(
        "/clients/new",
        N_("Register a New Client"),
        lambda ctx, m: register_client_view(ctx, family_of=m.query.get("family_of")),
        FIND,
    ),
    _route(
        "/clients/{client_id}",
        N_("Client Profile"),
        lambda ctx, m: client_profile_view(ctx, m.params["client_id"]),
        FIND,
    ),
    _route(
        "/clients/{client_id}/dashboard",
        N_("Client Dashboard"),
        lambda ctx, m: client_dashboard_view(ctx, m.params["client_id"]),
        FIND,
    ),
    _route(
        "/clients/{client_id}/edit",
        N_("Edit Client Profile"),
        lambda ctx, m: edit_client_view(ctx, m.params["client_id"]),
        FIND,
    ),
    _route(
        "/sessions/new",
        N_("Session"),
        lambda ctx, m: session_form_view(
            ctx, session_id=None, client_id=m.query.get("client"), session_type=m.query.get("type")
        ),
        DASHBOARD,
    ),
    _route(
        "/sessions/{session_id}",
        N_("Session"),
        lambda ctx, m: session_form_view(ctx, session_id=m.params["session_id"], client_id=None),
        DASHBOARD,
    ),
    _route(
        "/sessions/{session_id}/forms/{form_id}",
        N_("Service Form"),
        lambda ctx, m: service_form_view(ctx, m.params["session_id"], m.params["form_id"]),
        DASHBOARD,
        parent=lambda m: session_route(m.params["session_id"]),
    ),
)


def find_route(route: str) -> tuple[Route, RouteMatch] | None:
    parts = urlsplit(route)
    for candidate in ROUTES:
        found = candidate.pattern.match(parts.path or "/")
        if found:
            return candidate, RouteMatch(params=found.groupdict(), query=dict(parse_qsl(parts.query)))
    return None
