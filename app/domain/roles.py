"""Who may do what, by role: the one place that says it, for the device, the server's API and the console.

Roles form a ladder. A supervisor is a worker who also sees every session of the agency and its reports; an
administrator holds every power of a supervisor and also runs the agency's accounts, sites, devices and settings on
the console. A device therefore treats an administrator exactly like a supervisor.
"""

WORKER = "worker"
SUPERVISOR = "supervisor"
ADMINISTRATOR = "administrator"

_SEES_AGENCY = frozenset({SUPERVISOR, ADMINISTRATOR})


def sees_every_agency_session(role: str) -> bool:
    """Whether the role sees (and may edit) every session of its agency, not only those it is staff on."""
    return role in _SEES_AGENCY


def may_see_reports(role: str) -> bool:
    """Whether the role may read the agency's reports and download the funder export."""
    return role in _SEES_AGENCY


def may_administer(role: str) -> bool:
    """Whether the role may change workers, sites, devices, reference lists and agency settings."""
    return role == ADMINISTRATOR
