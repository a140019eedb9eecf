"""Bodies of the report endpoints (``/api/v1/reports/...``), as the OpenAPI document publishes them."""

from datetime import date, datetime

from pydantic import BaseModel, Field


class Figures(BaseModel):
    sessions: int
    unique_clients: int
    service_forms: int
    services_received: int
    hours: float = Field(description="Service Time of the sessions, in hours (two decimals).")
    group_activities: int
    named_participants: int = Field(description="Service forms in Group Activity sessions.")
    unnamed_participants: int = Field(description="People in Group Activity sessions who were not named.")
    referrals: int


class GroupFigures(Figures):
    key: str = Field(description="Site code, worker user ID, service type code or delivery method code.")
    label: str


class LanguageCount(BaseModel):
    key: str
    label: str
    sessions: int


class StatisticsResponse(BaseModel):
    agency_id: str
    start: date
    end: date
    totals: Figures
    by_site: list[GroupFigures]
    by_worker: list[GroupFigures]
    by_service_type: list[GroupFigures]
    by_delivery_method: list[GroupFigures]
    languages: list[LanguageCount]


class ReportGapOut(BaseModel):
    field: str
    code: str = Field(description="Stable code of the rule, e.g. report.client_identifier.missing.")
    message: str


class UnreportableOut(BaseModel):
    entity: str = Field(description="client or service_form.")
    record_id: str
    session_id: str
    service_date: date
    site_code: str
    staff: list[str]
    client_id: str
    client_name: str
    service_type: str | None
    gaps: list[ReportGapOut]


class UnreportableResponse(BaseModel):
    agency_id: str
    start: date
    end: date
    total: int = Field(description="How many records the whole period holds; ``records`` is one page of them.")
    records: list[UnreportableOut]


class ExportRunOut(BaseModel):
    id: int
    month: str
    again: bool
    file_format: str
    exported_by: str
    exported_at: datetime
    clients: int
    services: int
    not_reported: int
    changed: int


class ExportRequest(BaseModel):
    month: str = Field(description="YYYY-MM", examples=["2025-03"])
    again: bool = Field(default=False, description="Export the month's reportable records even if exported before.")
