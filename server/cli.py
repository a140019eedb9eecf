"""``outpost-server``: run the central server and look after its data from the command line.

Every command opens the database named by ``--database-url`` (or ``OUTPOST_DATABASE_URL``, or a SQLite file in the
current folder) and brings its schema up to date first. Mistakes get one plain line on stderr and a non-zero exit.
"""

import argparse
import getpass
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.domain.codes import ROLES
from credentials.passwords import hash_secret
from protocol.enums import PushStatus
from protocol.records import DEFAULT_IDLE_LOCK_MINUTES, DEFAULT_OFFLINE_SIGN_IN_DAYS, client_to_wire, session_to_wire
from seed_data.caseload import CLIENTS, WEEKS_OF_SESSIONS, demo_caseload
from seed_data.reference import DEMO_SIGN_IN, load_demo_reference, load_languages, load_location_types
from server import admin, crud, devices
from server.audit import SERVER_COMMAND_LINE
from server.core.config import database_url_from, export_mapping_from
from server.core.messages import Refused
from server.db import Database
from server.models import ROLE_WORKER
from server.push import push_changes
from server.reports.export import ExportError, ExportOrder, run_export
from server.reports.template import TemplateError, template_at
from server.reports.workbook import FORMATS
from server.schemas import Change
from server.site_import import SiteFileError, read_sites_csv


class CommandError(Exception):
    """A problem the administrator can fix; printed as one line."""


def _readable(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


def _seed_shared_lists(db: Database) -> tuple[int, int]:
    """Load the shipped languages and types of service location (global lists every agency uses)."""
    languages, location_types = load_languages(), load_location_types()
    with db.writing() as session:
        crud.lock_sequence(session)
        for language in languages:
            crud.upsert_language(session, code=language.code, name=language.name, name_fr=language.name_fr or None)
        for location_type in location_types:
            crud.upsert_location_type(
                session, code=location_type.code, label=location_type.label, label_fr=location_type.label_fr or None
            )
    return len(languages), len(location_types)


def init_db(db: Database, args: argparse.Namespace) -> str:
    languages, location_types = _seed_shared_lists(db)
    return (
        f"Database ready at {_readable(args.database_url)} "
        f"({languages} languages, {location_types} types of service location)."
    )


def add_agency(db: Database, args: argparse.Namespace) -> str:
    with db.writing() as session:
        crud.lock_sequence(session)
        crud.create_agency(session, agency_id=args.id, name=args.name)
    return f"Added agency {args.id} ({args.name})."


def read_new_password(stdin: TextIO) -> str:
    """From the terminal, asked twice without echo; otherwise the first line of standard input (for scripts)."""
    if stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat the password: ") != password:
            raise CommandError("The two passwords differ; nothing was changed.")
    else:
        password = stdin.readline().rstrip("\r\n")
    try:
        admin.check_new_password(password)
    except Refused as problem:
        raise CommandError(f"{problem} Nothing was changed.") from problem
    return password


def _now() -> datetime:
    return datetime.now(UTC)


def add_worker(db: Database, args: argparse.Namespace) -> str:
    def new_password() -> str:
        return admin.one_time_password() if args.one_time_password else read_new_password(sys.stdin)

    handover = admin.add_worker(
        db,
        actor=SERVER_COMMAND_LINE,
        now=_now(),
        agency_id=args.agency,
        user_id=args.user_id,
        name=args.name,
        role=args.role,
        password=new_password,
    )
    added = f"Added {args.role} {handover.user_id} ({args.name}) to agency {args.agency}."
    return f"{added}\nOne-time password to hand over: {handover.password}" if args.one_time_password else added


def change_role(db: Database, args: argparse.Namespace) -> str:
    admin.change_role(db, actor=SERVER_COMMAND_LINE, now=_now(), user_id=args.user_id, role=args.role)
    return f"{args.user_id} is now a {args.role}; their devices learn it at the next sync."


def reset_password(db: Database, args: argparse.Namespace) -> str:
    handover = admin.reset_password(db, actor=SERVER_COMMAND_LINE, now=_now(), user_id=args.user_id)
    return (
        f"New one-time password for {handover.user_id}: {handover.password}\n"
        "Their devices and browsers are signed out; they sign in again with it."
    )


def deactivate_worker(db: Database, args: argparse.Namespace) -> str:
    admin.deactivate_worker(db, actor=SERVER_COMMAND_LINE, now=_now(), user_id=args.user_id)
    return (
        f"Deactivated {args.user_id}: they can no longer sign in. Their devices send what they still hold from "
        "them at their next sync, then remove their key."
    )


def list_devices(db: Database, args: argparse.Namespace) -> str:
    found = devices.list_devices(db, agency_id=args.agency)
    if not found:
        return f"No device has signed in for agency {args.agency} yet."
    header = ("Device ID", "Worker", "Name", "Last contact (UTC)", "Waiting", "App version", "State")
    rows = [header, *(_device_row(device) for device in found)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                     for row in rows)  # fmt: skip


def _device_row(device: devices.DeviceSummary) -> tuple[str, ...]:
    others = f" (+{', '.join(device.workers[1:])})" if len(device.workers) > 1 else ""
    return (
        device.device_id,
        device.worker + others,
        device.name or "-",
        _minute(device.last_contact_at),
        "-" if device.pending_changes is None else str(device.pending_changes),
        device.app_version or "-",
        _device_state(device),
    )


def _device_state(device: devices.DeviceSummary) -> str:
    if device.revoked_at is None:
        return "in use"
    told = f", told {_minute(device.revocation_told_at)}" if device.revocation_told_at else ", not called since"
    return f"revoked {_minute(device.revoked_at)}{told}"


def _minute(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def revoke_device(db: Database, args: argparse.Namespace) -> str:
    device = devices.revoke_device(db, actor=SERVER_COMMAND_LINE, device_id=args.device_id, now=_now())
    holders = ", ".join(device.workers) or "nobody"
    waiting = "" if not device.pending_changes else f" Its {device.pending_changes} unsent changes will be lost."
    return (
        f"Revoked device {device.device_id} ({device.name or 'unnamed'}; signed in on by {holders}). "
        f"At its next contact it is refused and deletes its data.{waiting}"
    )


def agency_settings(db: Database, args: argparse.Namespace) -> str:
    if args.offline_days is None and args.idle_lock_minutes is None:
        settings = devices.device_settings(db, agency_id=args.agency)
        changed = ""
    else:
        settings = devices.change_device_settings(
            db,
            actor=SERVER_COMMAND_LINE,
            now=_now(),
            agency_id=args.agency,
            offline_sign_in_days=args.offline_days,
            idle_lock_minutes=args.idle_lock_minutes,
        )
        changed = " Devices follow the new settings after their next sync."
    return (
        f"Agency {settings.agency_id} ({settings.agency_name}): offline sign-in for "
        f"{settings.offline_sign_in_days} days after a worker's last contact with the server; the app locks after "
        f"{settings.idle_lock_minutes} minutes without use.{changed}"
    )


def import_sites(db: Database, args: argparse.Namespace) -> str:
    rows = read_sites_csv(Path(args.file))
    count = admin.import_sites(
        db, actor=SERVER_COMMAND_LINE, now=_now(), agency_id=args.agency, rows=rows, source=Path(args.file).name
    )
    return f"Imported {count} sites into agency {args.agency}."


def deactivate_site(db: Database, args: argparse.Namespace) -> str:
    admin.close_site(db, actor=SERVER_COMMAND_LINE, now=_now(), agency_id=args.agency, code=args.code)
    return f"Closed site {args.code} of agency {args.agency}; devices remove it from their lists at the next sync."


def demo(db: Database, args: argparse.Namespace) -> str:
    """Load the demo agency; running it again changes nothing."""
    reference = load_demo_reference()
    _seed_shared_lists(db)
    agency = reference.agency
    with db.writing() as session:
        crud.lock_sequence(session)
        crud.upsert_agency(session, agency_id=agency.id, name=agency.name)
        for site in reference.sites:
            crud.upsert_site(session, agency_id=agency.id, code=site.code, name=site.name, address=site.address)
        for worker in reference.workers:
            existing = crud.get_worker(session, user_id=worker.user_id)
            if existing is None:
                crud.add_worker(
                    session,
                    agency_id=agency.id,
                    user_id=worker.user_id,
                    name=worker.name,
                    role=worker.role,
                    password_hash=hash_secret(worker.password),
                )
            elif existing.agency_id != agency.id:
                raise CommandError(f"User ID {worker.user_id} already belongs to agency {existing.agency_id}.")
    caseload = _load_demo_caseload(db) if args.caseload else ""
    return (
        f"Demo agency {agency.name} ({agency.id}) loaded: {len(reference.sites)} sites, "
        f"{len(reference.workers)} workers.{caseload}\n"
        f"Sign in with User ID: {DEMO_SIGN_IN.user_id}  Password: {DEMO_SIGN_IN.password}"
    )


def _load_demo_caseload(db: Database) -> str:
    """Push the demo caseload as each of its workers would from their tablet; a second load adds nothing (the
    changes' op_ids are made from the records' ids, so they come back "duplicate")."""
    now = datetime.now(UTC)
    caseload = demo_caseload(load_demo_reference(), today=now.date())
    changes: dict[str, list[Change]] = {}
    for entity, records in (("client", caseload.clients), ("session", caseload.sessions)):
        for record in records:
            data = client_to_wire(record) if entity == "client" else session_to_wire(record)
            op_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"outpost-demo/{entity}/{record.id}"))
            changes.setdefault(record.created_by, []).append(Change(op_id=op_id, entity=entity, id=record.id,
                                                                    base_version=None, data=data))  # fmt: skip
    with db.reading() as session:
        workers = {user_id: crud.get_worker(session, user_id=user_id) for user_id in changes}
    refused = []
    for entity in ("client", "session"):  # every worker's clients first: sessions name them
        for user_id, pushed in changes.items():
            batch = [change for change in pushed if change.entity == entity]
            worker = workers[user_id]
            assert worker is not None, f"demo worker {user_id} is missing"
            with db.writing() as session:
                results = push_changes(session, worker=worker, changes=batch, now=now)
            # A conflict is a record loaded on an earlier day, whose op_id differs only if today's draw does.
            refused += [result for result in results if result.status == PushStatus.REJECTED]
    if refused:
        raise CommandError(f"The demo caseload was refused: {refused[0]}")
    return (
        f" Caseload: {len(caseload.clients)} clients and {len(caseload.sessions)} sessions of the last "
        f"{WEEKS_OF_SESSIONS} weeks."
    )


def export(db: Database, args: argparse.Namespace) -> str:
    """Write the month's funder export; only records never exported before unless ``--again``."""
    template = template_at(export_mapping_from(args.mapping))
    order = ExportOrder(
        agency_id=args.agency,
        month=args.month,
        out=Path(args.out),
        file_format=args.format,
        again=args.again,
        exported_by=f"command line ({getpass.getuser()})",
        template=template,
    )
    return "\n".join(run_export(db, order, now=datetime.now(UTC)).lines())


def serve(db: Database, args: argparse.Namespace) -> str:
    import uvicorn

    from server.main import create_app

    if bool(args.tls_cert) != bool(args.tls_key):
        raise CommandError("Give both --tls-cert and --tls-key to serve https://, or neither.")
    db.close()  # the app opens its own
    uvicorn.run(
        create_app(args.database_url),
        host=args.host,
        port=args.port,
        ssl_certfile=args.tls_cert,
        ssl_keyfile=args.tls_key,
        access_log=args.access_log,
    )
    return "Server stopped."


def build_parser() -> argparse.ArgumentParser:
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument("--database-url", help="SQLAlchemy URL (default: $OUTPOST_DATABASE_URL or a SQLite file)")
    parser = argparse.ArgumentParser(prog="outpost-server", description="The Outpost central server.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, handler: Callable[[Database, argparse.Namespace], str], summary: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[database], help=summary, description=summary)
        sub.set_defaults(handler=handler)
        return sub

    sub = command("serve", serve, "Run the sync API.")
    sub.add_argument("--host", default="127.0.0.1")
    sub.add_argument("--port", type=int, default=8000)
    sub.add_argument("--tls-cert", help="certificate chain (PEM) to serve https:// directly (see docs/deployment.md)")
    sub.add_argument("--tls-key", help="the certificate's private key (PEM)")
    # Off unless asked: a line per request cost 2-3% of a device sync's server CPU, and the reverse proxy in
    # front of the server (docs/deployment.md) logs every request already. Errors are logged either way.
    sub.add_argument("--access-log", action="store_true", help="log a line for every request (off by default)")
    command("init-db", init_db, "Create or update the database and load the shared languages and location types.")
    sub = command("add-agency", add_agency, "Add an agency.")
    sub.add_argument("--id", required=True)
    sub.add_argument("--name", required=True)
    sub = command("add-worker", add_worker, "Add a worker; the password is read from standard input or asked for.")
    sub.add_argument("--agency", required=True)
    sub.add_argument("--user-id", required=True)
    sub.add_argument("--name", required=True)
    sub.add_argument("--role", choices=tuple(ROLES), default=ROLE_WORKER)
    sub.add_argument(
        "--one-time-password", action="store_true", help="make up a password to hand over instead of reading one"
    )
    sub = command("change-role", change_role, "Make a worker a worker, supervisor or administrator.")
    sub.add_argument("--user-id", required=True)
    sub.add_argument("--role", choices=tuple(ROLES), required=True)
    sub = command("reset-password", reset_password, "Give a worker a new one-time password and sign them out.")
    sub.add_argument("--user-id", required=True)
    sub = command(
        "deactivate-worker",
        deactivate_worker,
        "Stop a worker from signing in; their devices send what they hold from them, then remove their key.",
    )
    sub.add_argument("--user-id", required=True)
    sub = command("list-devices", list_devices, "List an agency's devices, the most recent contact first.")
    sub.add_argument("--agency", required=True)
    sub = command(
        "revoke-device", revoke_device, "Report a device lost: at its next contact it is refused and wipes itself."
    )
    sub.add_argument("--device-id", required=True)
    sub = command(
        "agency-settings",
        agency_settings,
        "Show or change how long an agency's workers may sign in offline and how soon the app locks.",
    )
    sub.add_argument("--agency", required=True)
    days, minutes = crud.OFFLINE_SIGN_IN_DAYS_RANGE, crud.IDLE_LOCK_MINUTES_RANGE
    sub.add_argument(
        "--offline-days",
        type=int,
        help=f"days after the last contact ({days.start}-{days.stop - 1}; at first {DEFAULT_OFFLINE_SIGN_IN_DAYS})",
    )
    sub.add_argument(
        "--idle-lock-minutes",
        type=int,
        help=f"minutes without use ({minutes.start}-{minutes.stop - 1}; at first {DEFAULT_IDLE_LOCK_MINUTES})",
    )
    sub = command("import-sites", import_sites, "Add or update an agency's sites from a code,name,address CSV file.")
    sub.add_argument("--agency", required=True)
    sub.add_argument("file", metavar="FILE.csv")
    sub = command("deactivate-site", deactivate_site, "Close a site; devices drop it from their lists.")
    sub.add_argument("--agency", required=True)
    sub.add_argument("--code", required=True)
    sub = command("demo", demo, "Load the demo agency, its sites and workers, and print how to sign in.")
    sub.add_argument(
        "--caseload",
        action="store_true",
        help=f"also load {CLIENTS} clients and {WEEKS_OF_SESSIONS} weeks of their sessions, as make demo does",
    )
    sub = command("export", export, "Write an agency's funder export for a month (records never exported before).")
    sub.add_argument("--agency", required=True)
    sub.add_argument("--month", required=True, help="YYYY-MM")
    sub.add_argument("--format", choices=FORMATS, default="xlsx", help="xlsx: one workbook; csv: a folder of files")
    sub.add_argument("--out", required=True, help="the workbook (or folder) to write; must not exist yet")
    sub.add_argument("--again", action="store_true", help="export the month's records even if exported before")
    sub.add_argument("--mapping", help="a mapping file to use instead of the shipped iCARE layout (default: "
                     "$OUTPOST_EXPORT_MAPPING, which the console and the API use too)")  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.database_url = database_url_from(args.database_url)
    try:
        db = Database(args.database_url)
    except OperationalError as problem:
        print(
            f"outpost-server: cannot open the database {_readable(args.database_url)}: {problem.orig}", file=sys.stderr
        )
        return 1
    try:
        print(args.handler(db, args))
    except (
        CommandError,
        Refused,
        SiteFileError,
        crud.NotFound,
        crud.AlreadyExists,
        crud.InvalidSetting,
        ExportError,
        TemplateError,
    ) as problem:
        print(f"outpost-server: {problem}", file=sys.stderr)
        return 1
    finally:
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
