"""Fixed vocabularies of the session and service forms: wire codes and the labels workers see.

Codes travel on the wire (see docs/sync-protocol.md); labels are the agency help article's words.
"""

from types import MappingProxyType

SESSION_TYPES = MappingProxyType(
    {
        "direct_service": "Direct Service",
        "language_training": "Language Training",
        "group_activity": "Group Activity",
    }
)
GROUP_ACTIVITY = "group_activity"

DELIVERY_METHODS = MappingProxyType(
    {
        "in_person": "In Person",
        "phone_text_email": "Telephone call/Text/Email",
        "staff_led_online": "Staff-led Online Services",
        "self_directed_online": "Self-Directed Online Services",
        "self_directed_correspondence": "Self-Directed via Correspondence",
    }
)

SERVICE_STATUSES = MappingProxyType({"complete": "Complete", "ongoing": "Ongoing", "ended_early": "Ended early"})

OFFICIAL_LANGUAGES = MappingProxyType({"en": "English", "fr": "French", "unknown": "Unknown"})

SERVICE_TYPES = MappingProxyType(
    {
        "needs_assessment": "Needs Assessment and Referral",
        "information_orientation": "Information and Orientation",
        "employment": "Employment-related Services",
        "community_connections": "Community Connections",
        "language_assessment": "Language Assessment",
        "support_services": "Support Services",
    }
)

# The "Services Received" checklist offered for each service type.
SERVICES_BY_TYPE: MappingProxyType[str, MappingProxyType[str, str]] = MappingProxyType(
    {
        "needs_assessment": MappingProxyType(
            {
                "na_language": "Language",
                "na_employment": "Employment",
                "na_housing": "Housing",
                "na_health": "Health",
                "na_education": "Education",
                "na_legal": "Legal",
                "na_finance": "Finance",
                "na_children_family": "Children and family",
                "na_social": "Social connections",
            }
        ),
        "information_orientation": MappingProxyType(
            {
                "io_housing": "Housing",
                "io_health": "Health",
                "io_education": "Education",
                "io_employment": "Employment",
                "io_legal_rights": "Legal rights",
                "io_finance": "Finance",
                "io_transportation": "Transportation",
                "io_government": "Government services",
                "io_citizenship": "Citizenship",
            }
        ),
        "employment": MappingProxyType(
            {
                "em_job_search": "Job search",
                "em_resume": "Résumé and cover letter",
                "em_interview": "Interview preparation",
                "em_credentials": "Credential recognition",
                "em_mentoring": "Mentoring",
                "em_workplace_rights": "Workplace rights",
            }
        ),
        "community_connections": MappingProxyType(
            {
                "cc_community_event": "Community event",
                "cc_volunteering": "Volunteering",
                "cc_networking": "Networking",
                "cc_mentorship": "Mentorship",
                "cc_youth": "Youth programs",
                "cc_seniors": "Seniors programs",
            }
        ),
        "language_assessment": MappingProxyType(
            {
                "la_listening": "Listening",
                "la_speaking": "Speaking",
                "la_reading": "Reading",
                "la_writing": "Writing",
                "la_referral_classes": "Referral to language classes",
            }
        ),
        "support_services": MappingProxyType(
            {
                "ss_child_care": "Child care",
                "ss_transportation": "Transportation",
                "ss_translation": "Translation",
                "ss_interpretation": "Interpretation",
                "ss_counselling": "Short-term counselling",
                "ss_disability": "Disability supports",
                "ss_digital": "Digital supports",
            }
        ),
    }
)

GENDERS = MappingProxyType(
    {"female": "Female", "male": "Male", "another": "Another gender", "undisclosed": "Prefer not to say"}
)
MARITAL_STATUSES = MappingProxyType(
    {
        "single": "Single",
        "married": "Married",
        "common_law": "Common-law",
        "separated": "Separated",
        "divorced": "Divorced",
        "widowed": "Widowed",
        "undisclosed": "Prefer not to say",
    }
)
IMMIGRATION_CATEGORIES = MappingProxyType(
    {
        "permanent_resident": "Permanent resident",
        "refugee": "Resettled or protected refugee",
        "refugee_claimant": "Refugee claimant",
        "temporary_worker": "Temporary foreign worker",
        "student": "International student",
        "citizen": "Naturalized citizen",
        "other": "Other",
    }
)

ROLES = MappingProxyType({"worker": "Worker", "supervisor": "Supervisor"})
