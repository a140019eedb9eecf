"""Words for synthetic sessions and sites: group activities, referral partners and the notes workers write.

Organisations and places are invented; a few entries are in French because many agencies serve clients in both
official languages.
"""

SITE_KINDS = (
    "Newcomer Office", "Welcome Centre", "Family Hub", "Library Outreach Desk", "Community Services Hub",
    "Settlement Office", "Youth Drop-in", "Employment Corner",
)  # fmt: skip

ACTIVITIES = (
    ("Conversation Circle", "Everyday English"),
    ("Winter Driving Safety Workshop", "Transportation"),
    ("Tenant Rights Information Session", "Housing"),
    ("Job Fair Preparation", "Employment"),
    ("Canadian Workplace Culture Workshop", "Employment"),
    ("Banking and Budgeting Basics", "Financial literacy"),
    ("Citizenship Test Study Group", "Citizenship"),
    ("Newcomer Youth Homework Club", "Education system"),
    ("Seniors' Tea and Talk", "Community connections"),
    ("Family Picnic and Park Orientation", "Community resources"),
    ("Atelier : trouver un logement", "Logement"),
    ("Health Care System Orientation", "Health care"),
)
REFERRALS = (
    ("Riverside Community Health Centre", "Needs a family doctor"),
    ("Northgate Legal Clinic", "Dispute with landlord over deposit"),
    ("Harbour Food Bank", "Short of food until first benefit payment"),
    ("Bridges Employment Services", "Looking for work in the trades"),
    ("Cedar Family Counselling", "Stress after resettlement"),
    ("Lakeview Adult Language School", "Language classes, CLB 3"),
    ("Provincial Credential Assessment Office", "Nursing credentials from abroad"),
    ("Centre de francisation du quartier", "Cours de français à temps partiel"),
)
SESSION_NOTES = (
    "Client brought documents from the previous appointment.",
    "Met at the library because the office was closed for the holiday.",
    "Follow up next week about the housing application.",
    "Interpreter joined by phone for the second half.",
    "Séance donnée en français à la demande du client.",
)
FORM_NOTES = (
    "Client asked about school registration for the children.",
    "Helped fill in the application form; client will bring proof of address.",
    "Discussed options; client will decide by Friday.",
    "A besoin d'aide pour la demande de logement subventionné.",
)
