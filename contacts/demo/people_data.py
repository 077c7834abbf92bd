"""
Reference data for the demo's people: first and last names by culture, job titles by
seniority, the seniority mix by company size, how well each seniority and function fits, and
the lead sources.
"""

from __future__ import annotations

from contacts.models import LeadSource

# First and last names by culture, for an international mix of people.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        (
            "James", "Mary", "Michael", "Jennifer", "David", "Sarah", "Daniel", "Emily",
            "Chris", "Jessica", "Matthew", "Ashley", "Andrew", "Laura", "Ryan", "Rachel",
            "Kevin", "Megan", "Brian", "Hannah", "Oliver", "Charlotte", "Jack", "Amelia",
            "Liam", "Olivia", "Noah", "Emma", "Ethan", "Grace", "Tom", "Kate",
        ),
        (
            "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
            "Taylor", "Anderson", "Thomas", "Moore", "Martin", "Thompson", "White", "Harris",
            "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green",
            "Baker", "Evans", "Murphy", "Kelly", "O'Brien", "Campbell", "Stewart",
        ),
    ),
    "de": (
        (
            "Lukas", "Anna", "Felix", "Lena", "Jonas", "Marie", "Maximilian", "Sophie",
            "Tobias", "Katharina", "Stefan", "Julia", "Florian", "Sabine", "Matthias", "Jan",
        ),
        (
            "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
            "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
        ),
    ),
    "fr": (
        (
            "Louis", "Camille", "Hugo", "Chloé", "Thomas", "Manon", "Antoine", "Léa",
            "Nicolas", "Julie", "Pierre", "Claire", "Mathieu", "Élodie", "Julien", "Inès",
        ),
        (
            "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
            "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garnier", "Fournier",
        ),
    ),
    "es": (
        (
            "Javier", "Lucía", "Carlos", "María", "Alejandro", "Carmen", "Pablo", "Elena",
            "Diego", "Laura", "Sergio", "Marta", "Andrés", "Sofía", "Miguel", "Paula",
        ),
        (
            "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez",
            "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno",
            "Álvarez",
        ),
    ),
    "pt": (
        (
            "João", "Ana", "Pedro", "Mariana", "Lucas", "Beatriz", "Gabriel", "Juliana",
            "Rafael", "Fernanda", "Thiago", "Camila", "Bruno", "Larissa", "Felipe", "Isabela",
        ),
        (
            "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
            "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Barbosa",
        ),
    ),
    "nl": (
        (
            "Daan", "Sanne", "Bram", "Lotte", "Joris", "Femke", "Thijs", "Eva", "Sem",
            "Anouk", "Ruben", "Fleur",
        ),
        (
            "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser",
            "Smit", "Meijer", "de Boer", "Mulder", "Bos",
        ),
    ),
    "sv": (
        (
            "Erik", "Astrid", "Lars", "Ingrid", "Oskar", "Elin", "Nils", "Maja", "Johan",
            "Karin", "Anders", "Sofia",
        ),
        (
            "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
            "Persson", "Svensson", "Gustafsson", "Lindberg", "Lindqvist",
        ),
    ),
    "ja": (
        (
            "Hiroshi", "Yuki", "Takeshi", "Aiko", "Kenji", "Haruka", "Daisuke", "Sakura",
            "Satoshi", "Yumi", "Ren", "Naoko",
        ),
        (
            "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura",
            "Kobayashi", "Kato", "Yoshida", "Yamada",
        ),
    ),
    "in": (
        (
            "Arjun", "Priya", "Rahul", "Ananya", "Vikram", "Sneha", "Rohan", "Kavya", "Aditya",
            "Neha", "Sanjay", "Pooja", "Karthik", "Divya", "Amit", "Meera",
        ),
        (
            "Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Mehta",
            "Joshi", "Rao", "Desai", "Chopra", "Banerjee", "Menon", "Agarwal",
        ),
    ),
    "zh": (
        ("Wei", "Li", "Jun", "Mei", "Hao", "Xin", "Lei", "Yan", "Jie", "Ling", "Chen", "Hui"),
        (
            "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
            "Lin",
        ),
    ),
}  # fmt: skip

# Job titles by seniority, each with the function it belongs to (function drives fit too).
TITLES: dict[str, tuple[tuple[str, str], ...]] = {
    "c_level": (
        ("CEO", "executive"),
        ("Founder & CEO", "executive"),
        ("Co-founder", "executive"),
        ("CTO", "engineering"),
        ("CMO", "marketing"),
        ("CRO", "sales"),
        ("CFO", "finance"),
        ("COO", "operations"),
    ),
    "vp": (
        ("VP Sales", "sales"),
        ("VP Marketing", "marketing"),
        ("VP of Demand Generation", "marketing"),
        ("VP Revenue Operations", "revops"),
        ("VP of Engineering", "engineering"),
        ("VP Customer Success", "customer_success"),
        ("VP Product", "product"),
        ("VP Finance", "finance"),
    ),
    "director": (
        ("Director of Marketing", "marketing"),
        ("Director of Demand Generation", "marketing"),
        ("Director of Sales", "sales"),
        ("Director of Revenue Operations", "revops"),
        ("Director of Engineering", "engineering"),
        ("Director of IT", "it"),
        ("Director of Customer Success", "customer_success"),
        ("Director of Finance", "finance"),
        ("Director of People", "hr"),
    ),
    "head": (
        ("Head of Growth", "marketing"),
        ("Head of Marketing", "marketing"),
        ("Head of Sales", "sales"),
        ("Head of RevOps", "revops"),
        ("Head of Product", "product"),
        ("Head of Data", "data"),
        ("Head of Partnerships", "sales"),
    ),
    "manager": (
        ("Marketing Manager", "marketing"),
        ("Demand Generation Manager", "marketing"),
        ("Marketing Operations Manager", "revops"),
        ("Sales Manager", "sales"),
        ("Account Manager", "sales"),
        ("Product Manager", "product"),
        ("Engineering Manager", "engineering"),
        ("Customer Success Manager", "customer_success"),
        ("IT Manager", "it"),
        ("HR Manager", "hr"),
        ("Office Manager", "operations"),
    ),
    "individual": (
        ("Marketing Specialist", "marketing"),
        ("Marketing Coordinator", "marketing"),
        ("Content Writer", "marketing"),
        ("SEO Specialist", "marketing"),
        ("Sales Development Representative", "sales"),
        ("Business Development Representative", "sales"),
        ("Account Executive", "sales"),
        ("Sales Operations Analyst", "revops"),
        ("Software Engineer", "engineering"),
        ("Senior Software Engineer", "engineering"),
        ("Data Analyst", "data"),
        ("Data Engineer", "data"),
        ("Financial Analyst", "finance"),
        ("Recruiter", "hr"),
        ("Product Designer", "product"),
        ("Support Specialist", "customer_success"),
        ("Operations Analyst", "operations"),
    ),
    "student": (
        ("Student", "other"),
        ("Marketing Intern", "marketing"),
        ("Software Engineering Intern", "engineering"),
        ("MBA Candidate", "other"),
        ("Graduate Student", "other"),
    ),
}

# Seniority mix by company size band: founders are a big share of tiny companies.
SENIORITY_WEIGHTS: dict[str, dict[str, int]] = {
    "tiny": {
        "c_level": 30, "vp": 3, "director": 5, "head": 8, "manager": 14, "individual": 30,
        "student": 10,
    },
    "small": {
        "c_level": 8, "vp": 7, "director": 11, "head": 9, "manager": 20, "individual": 37,
        "student": 8,
    },
    "large": {
        "c_level": 2, "vp": 7, "director": 13, "head": 5, "manager": 24, "individual": 42,
        "student": 7,
    },
}  # fmt: skip

# Fit of a title's seniority and function: budget holders in marketing, sales and revenue
# operations buy lead scoring; engineers, HR and students rarely do.
SENIORITY_FIT: dict[str, float] = {
    "c_level": 0.85,
    "vp": 1.0,
    "director": 0.9,
    "head": 0.85,
    "manager": 0.6,
    "individual": 0.3,
    "student": 0.0,
    "unknown": 0.4,
}
FUNCTION_FIT: dict[str, float] = {
    "marketing": 1.0,
    "revops": 1.0,
    "sales": 0.9,
    "executive": 0.85,
    "product": 0.6,
    "customer_success": 0.55,
    "data": 0.55,
    "operations": 0.45,
    "it": 0.4,
    "engineering": 0.35,
    "finance": 0.35,
    "hr": 0.2,
    "other": 0.2,
    "unknown": 0.4,
}

LEAD_SOURCE_WEIGHTS: dict[str, int] = {
    LeadSource.ORGANIC_SEARCH: 25,
    LeadSource.DIRECT: 14,
    LeadSource.PAID_SEARCH: 12,
    LeadSource.SOCIAL: 10,
    LeadSource.EMAIL: 8,
    LeadSource.EVENT: 8,
    LeadSource.REFERRAL: 8,
    LeadSource.PARTNER: 6,
    LeadSource.OTHER: 9,
}
# Sources where a person becomes known by filling in a form on the website.
FORM_SOURCES = {
    LeadSource.ORGANIC_SEARCH,
    LeadSource.DIRECT,
    LeadSource.PAID_SEARCH,
    LeadSource.SOCIAL,
    LeadSource.EMAIL,
}
