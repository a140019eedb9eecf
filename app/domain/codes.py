"""Fixed vocabularies of the session and service forms: wire codes and the labels workers see.

Codes travel on the wire (see docs/sync-protocol.md); labels are the agency help article's words, in English and
marked for the catalogs (screens translate them where they show them).
"""

from types import MappingProxyType

from app.domain.words import N_

SESSION_TYPES = MappingProxyType(
    {
        "direct_service": N_("Direct Service"),
        "language_training": N_("Language Training"),
        "group_activity": N_("Group Activity"),
    }
)
GROUP_ACTIVITY = "group_activity"

DELIVERY_METHODS = MappingProxyType(
    {
        "in_person": N_("In Person"),
        "phone_text_email": N_("Telephone call/Text/Email"),
        "staff_led_online": N_("Staff-led Online Services"),
        "self_directed_online": N_("Self-Directed Online Services"),
        "self_directed_correspondence": N_("Self-Directed via Correspondence"),
    }
)

SERVICE_STATUSES = MappingProxyType(
    {"complete": N_("Complete"), "ongoing": N_("Ongoing"), "ended_early": N_("Ended early")}
)

OFFICIAL_LANGUAGES = MappingProxyType({"en": N_("English"), "fr": N_("French"), "unknown": N_("Unknown")})

SERVICE_TYPES = MappingProxyType(
    {
        "needs_assessment": N_("Needs Assessment and Referral"),
        "information_orientation": N_("Information and Orientation"),
        "employment": N_("Employment-related Services"),
        "community_connections": N_("Community Connections"),
        "language_assessment": N_("Language Assessment"),
        "support_services": N_("Support Services"),
    }
)

# The "Services Received" checklist offered for each service type.
SERVICES_BY_TYPE: MappingProxyType[str, MappingProxyType[str, str]] = MappingProxyType(
    {
        "needs_assessment": MappingProxyType(
            {
                "na_language": N_("Language"),
                "na_employment": N_("Employment"),
                "na_housing": N_("Housing"),
                "na_health": N_("Health"),
                "na_education": N_("Education"),
                "na_legal": N_("Legal"),
                "na_finance": N_("Finance"),
                "na_children_family": N_("Children and family"),
                "na_social": N_("Social connections"),
            }
        ),
        "information_orientation": MappingProxyType(
            {
                "io_housing": N_("Housing"),
                "io_health": N_("Health"),
                "io_education": N_("Education"),
                "io_employment": N_("Employment"),
                "io_legal_rights": N_("Legal rights"),
                "io_finance": N_("Finance"),
                "io_transportation": N_("Transportation"),
                "io_government": N_("Government services"),
                "io_citizenship": N_("Citizenship"),
            }
        ),
        "employment": MappingProxyType(
            {
                "em_job_search": N_("Job search"),
                "em_resume": N_("Résumé and cover letter"),
                "em_interview": N_("Interview preparation"),
                "em_credentials": N_("Credential recognition"),
                "em_mentoring": N_("Mentoring"),
                "em_workplace_rights": N_("Workplace rights"),
            }
        ),
        "community_connections": MappingProxyType(
            {
                "cc_community_event": N_("Community event"),
                "cc_volunteering": N_("Volunteering"),
                "cc_networking": N_("Networking"),
                "cc_mentorship": N_("Mentorship"),
                "cc_youth": N_("Youth programs"),
                "cc_seniors": N_("Seniors programs"),
            }
        ),
        "language_assessment": MappingProxyType(
            {
                "la_listening": N_("Listening"),
                "la_speaking": N_("Speaking"),
                "la_reading": N_("Reading"),
                "la_writing": N_("Writing"),
                "la_referral_classes": N_("Referral to language classes"),
            }
        ),
        "support_services": MappingProxyType(
            {
                "ss_child_care": N_("Child care"),
                "ss_transportation": N_("Transportation"),
                "ss_translation": N_("Translation"),
                "ss_interpretation": N_("Interpretation"),
                "ss_counselling": N_("Short-term counselling"),
                "ss_disability": N_("Disability supports"),
                "ss_digital": N_("Digital supports"),
            }
        ),
    }
)

GENDERS = MappingProxyType(
    {
        "female": N_("Female"),
        "male": N_("Male"),
        "another": N_("Another gender"),
        "undisclosed": N_("Prefer not to say"),
    }
)
MARITAL_STATUSES = MappingProxyType(
    {
        "single": N_("Single"),
        "married": N_("Married"),
        "common_law": N_("Common-law"),
        "separated": N_("Separated"),
        "divorced": N_("Divorced"),
        "widowed": N_("Widowed"),
        "undisclosed": N_("Prefer not to say"),
    }
)
CLIENT_IDENTIFIER_KINDS = MappingProxyType(
    {
        "ircc_client_id": N_("IRCC client ID (UCI)"),
        "pr_card": N_("Permanent resident card number"),
        "copr": N_("Confirmation of Permanent Residence (IMM 5292 / IMM 5688)"),
        "temporary_resident_permit": N_("Temporary resident permit or Minister's permit"),
    }
)
"""What the client identifier is: the kinds the funder accepts to identify a client."""

IMMIGRATION_CATEGORIES = MappingProxyType(
    {
        "permanent_resident": N_("Permanent resident"),
        "refugee": N_("Resettled or protected refugee"),
        "refugee_claimant": N_("Refugee claimant"),
        "temporary_worker": N_("Temporary foreign worker"),
        "student": N_("International student"),
        "citizen": N_("Naturalized citizen"),
        "other": N_("Other"),
    }
)

ROLES = MappingProxyType({"worker": N_("Worker"), "supervisor": N_("Supervisor"), "administrator": N_("Administrator")})
