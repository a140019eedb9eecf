"""The published OpenAPI document and docs/sync-protocol.md keep every name the sync contract fixes."""

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from protocol.records import (
    ClientData,
    SessionData,
    client_from_wire,
    client_to_wire,
    session_from_wire,
    session_to_wire,
)
from server.main import create_app

DOCS = Path(__file__).resolve().parents[3] / "docs" / "sync-protocol.md"

PATHS = {
    "/api/v1/health": "get",
    "/api/v1/auth/login": "post",
    "/api/v1/auth/logout": "post",
    "/api/v1/sync/push": "post",
    "/api/v1/sync/pull": "get",
    "/api/v1/reports/statistics": "get",
    "/api/v1/reports/unreportable": "get",
    "/api/v1/reports/exports": "post",
}

# Each published schema and the contract's field names it must carry.
FIELDS = {
    "Health": "status protocol",
    "LoginRequest": "user_id password device_id device_name",
    "LoginResponse": "token expires_at worker agency device_key",
    "WorkerOut": "user_id name role agency_id",
    "PushRequest": "device_id changes",
    "Change": "op_id entity id base_version data",
    "PushResponse": "results",
    "PushResult": "op_id status version errors current merged_into",
    "FieldErrorOut": "field message code params",
    "PullResponse": "changes cursor has_more",
    "PulledChange": "entity id op version data",
    "ClientData": (
        "id agency_id first_name last_name preferred_name latin_name own_script_name date_of_birth gender "
        "marital_status official_language country_of_origin arrival_date immigration_category phone email address "
        "consent client_identifier client_identifier_kind family_code created_by created_at updated_at version"
    ),
    "SessionData": (
        "id agency_id created_by session_type service_date site_code delivery_methods service_location_type "
        "interpreter_present interpreters service_minutes languages staff notes activity_name activity_topic "
        "service_forms complete created_at updated_at version"
    ),
    "ServiceFormData": "id client_id service_type services referrals client_attended status private notes",
    "ReferralData": "to reason follow_up_date",
    "SiteData": "code name address active",
    "WorkerData": "user_id name role active",
    "LanguageData": "code name",
    "ServiceLocationTypeData": "code label",
    "AgencyData": "id name offline_sign_in_days idle_lock_minutes",
    "Refusal": "detail code",
    "StatisticsResponse": "agency_id start end totals by_site by_worker by_service_type by_delivery_method languages",
    "Figures": (
        "sessions unique_clients service_forms services_received hours group_activities named_participants"
        " unnamed_participants referrals"
    ),
    "GroupFigures": "key label",
    "LanguageCount": "key label sessions",
    "UnreportableResponse": "agency_id start end total records",
    "UnreportableOut": (
        "entity record_id session_id service_date site_code staff client_id client_name service_type gaps"
    ),
    "ReportGapOut": "field code message",
    "ExportRunOut": "id month again file_format exported_by exported_at clients services not_reported changed",
    "MergedClientData": "merged_into",
}

# Values the contract fixes, with the schema and property that must list them.
ENUMS = {
    ("PushResult", "status"): {"applied", "duplicate", "conflict", "rejected"},
    ("PulledChange", "op"): {"upsert", "delete"},
    ("PulledChange", "entity"): {"agency", "site", "worker", "language", "service_location_type", "client", "session"},
    ("Change", "entity"): {"client", "session"},
    ("Refusal", "code"): {"device_revoked", "worker_deactivated"},
}


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    database = tmp_path_factory.mktemp("openapi") / "server.sqlite3"
    app = create_app(f"sqlite:///{database}")
    document = TestClient(app).get("/openapi.json").json()
    app.state.database.close()
    return document


def test_every_contract_path_is_published(openapi: dict[str, Any]) -> None:
    for path, method in PATHS.items():
        assert method in openapi["paths"].get(path, {}), path


def test_the_pull_query_takes_cursor_and_limit(openapi: dict[str, Any]) -> None:
    parameters = {
        parameter["name"]: parameter for parameter in openapi["paths"]["/api/v1/sync/pull"]["get"]["parameters"]
    }
    assert set(parameters) == {"cursor", "limit"}
    assert parameters["limit"]["schema"]["maximum"] == 5000


def test_every_contract_field_is_published(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    for schema, names in FIELDS.items():
        missing = set(names.split()) - set(schemas[schema]["properties"])
        assert not missing, f"{schema} lacks {missing}"


def test_the_contracts_fixed_values_are_published(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    for (schema, field), values in ENUMS.items():
        published = schemas[schema]["properties"][field]
        if "$ref" in published:  # an enum of the protocol, published once under its own name
            published = schemas[published["$ref"].rsplit("/", 1)[-1]]
        assert set(published["enum"]) == values


def test_the_error_statuses_are_published(openapi: dict[str, Any]) -> None:
    paths = openapi["paths"]
    assert {"401", "403", "429"} <= set(paths["/api/v1/auth/login"]["post"]["responses"])
    assert {"400", "401", "403", "413", "422"} <= set(paths["/api/v1/sync/push"]["post"]["responses"])
    assert {"401", "403", "410"} <= set(paths["/api/v1/sync/pull"]["get"]["responses"])
    assert "204" in paths["/api/v1/auth/logout"]["post"]["responses"]


def test_the_published_record_schemas_match_what_travels(openapi: dict[str, Any]) -> None:
    """The documented record fields are exactly the fields protocol.records writes."""
    session = session_from_wire({"id": "s1", "service_forms": [{"id": "f1", "client_id": "c1", "referrals": [{}]}]})
    session_wire = session_to_wire(session)
    assert set(session_wire) == set(SessionData.__struct_fields__)
    assert set(session_wire["service_forms"][0]) == set(
        openapi["components"]["schemas"]["ServiceFormData"]["properties"]
    )
    assert set(session_wire["service_forms"][0]["referrals"][0]) == set(
        openapi["components"]["schemas"]["ReferralData"]["properties"]
    )
    assert set(client_to_wire(client_from_wire({"id": "c1"}))) == set(ClientData.__struct_fields__)


def test_the_protocol_document_names_every_path_and_field() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [path for path in PATHS if path.removeprefix("/api/v1") not in text]
    names = {name for fields in FIELDS.values() for name in fields.split()}
    names |= {value for values in ENUMS.values() for value in values}
    missing += sorted(name for name in names if not re.search(rf"\b{re.escape(name)}\b", text))
    assert not missing, f"docs/sync-protocol.md does not mention {missing}"
