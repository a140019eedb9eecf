"""Problems are codes with values, so a worker reads them in their own language, the server's refusals included."""

from datetime import date

from app.domain.errors import PROBLEMS, FieldError
from app.domain.sessions import MAX_NOTES, Session, validate_session
from app.i18n import translator
from app.ui.messages import error_text
from protocol.problems import SESSION_NOT_YOURS, problem

EN, FR = translator("en"), translator("fr")


def _errors_of(session: Session) -> dict[str, FieldError]:
    return {error.field: error for error in validate_session(session, today=date(2025, 3, 10))}


def test_a_rule_says_which_problem_with_which_values() -> None:
    errors = _errors_of(Session(id="s", agency_id="a", created_by="w", notes="x" * (MAX_NOTES + 1)))
    notes = errors["notes"]
    assert (notes.code, dict(notes.params)) == ("session.notes.too_long", {"limit": MAX_NOTES})
    assert notes.message == "Session Notes can be at most 10,000 characters."
    assert error_text(notes, FR) == "Les notes de séance comptent au plus 10\u00a0000 caractères."
    assert error_text(errors["service_date"], FR) == "Entrez la date du service."


def test_a_server_refusal_read_from_the_wire_is_shown_in_french() -> None:
    sent = SESSION_NOT_YOURS.at("id").as_dict()
    received = FieldError.from_dict(sent)
    assert received == SESSION_NOT_YOURS.at("id")
    assert error_text(received, FR).startswith("Seuls la personne qui a créé la séance")
    assert error_text(FieldError.from_dict(problem("interpreters", "expected_integer").as_dict()), FR) == (
        "Un nombre entier est attendu."
    )


def test_a_problem_without_a_known_code_is_shown_as_it_came() -> None:
    older_server = FieldError.from_dict({"field": "site_code", "message": "Site N-001 is closed."})
    newer_server = FieldError.from_dict({"field": "x", "message": "Brand new rule.", "code": "x.new", "params": {}})
    bad_values = FieldError.from_dict({"field": "x", "message": "As sent.", "code": "session.notes.too_long"})
    assert error_text(older_server, FR) == "Site N-001 is closed."
    assert error_text(newer_server, FR) == "Brand new rule."
    assert error_text(bad_values, FR) == "As sent."  # the template needs {limit}, which did not come


def test_values_of_the_wrong_type_are_dropped_when_read() -> None:
    read = FieldError.from_dict({"field": 7, "code": None, "params": {"limit": [1], "ok": 3, "flag": True}})
    assert (read.field, read.message, read.code, dict(read.params)) == ("7", "", "", {"ok": 3})


def test_every_code_is_namespaced_in_lower_case() -> None:
    assert all("." in code and code == code.lower() for code in PROBLEMS)
