"""The one vocabulary of the tool world: every word pool values are drawn from, and their synonyms.

The simulator's value generator (:mod:`~inftool_jax.world.named_values`) and
the user simulator's planned values (``synth/user/argument_values.py``) both
draw from these lists, so a city, a name or a currency in a tool result is one
the user could have said. Synonym groups are shared by the value sampler
(acceptable alternatives in the ground truth) and the grounding gate (a value
said one way in the user's text grounds the same value written another way in
a call). Names are plain ASCII: they are copied into ids, e-mail addresses and
tokenizer corpora.
"""

from __future__ import annotations

# First entry of each group is the canonical value put into calls.
PLACE_SYNONYMS: list[list[str]] = [
    ["New York City", "NYC", "New York"],
    ["San Francisco", "SF"],
    ["Los Angeles", "LA"],
    ["London"],
    ["Paris"],
    ["Tokyo"],
    ["Berlin"],
    ["Madrid"],
    ["Rome"],
    ["Amsterdam"],
    ["Toronto"],
    ["Sydney"],
    ["Singapore"],
    ["Mumbai", "Bombay"],
    ["Beijing", "Peking"],
    ["Seoul"],
    ["Chicago"],
    ["Boston"],
    ["Seattle"],
    ["Austin"],
    ["Lisbon"],
    ["Vienna"],
    ["Prague"],
    ["Dublin"],
    ["Zurich"],
    ["Mexico City", "CDMX"],
    ["Buenos Aires"],
    ["Cape Town"],
    ["Nairobi"],
    ["Oslo"],
    ["Stockholm"],
    ["Washington, D.C.", "Washington DC", "DC"],
]

COUNTRY_SYNONYMS: list[list[str]] = [
    ["United States", "USA", "US"],
    ["United Kingdom", "UK", "Britain"],
    ["Germany"],
    ["France"],
    ["Japan"],
    ["Canada"],
    ["Australia"],
    ["Brazil"],
    ["India"],
    ["Spain"],
    ["Italy"],
    ["Netherlands", "Holland"],
    ["Mexico"],
    ["South Korea", "Korea"],
    ["Kenya"],
]

CITIES = [group[0] for group in PLACE_SYNONYMS]
COUNTRIES = [group[0] for group in COUNTRY_SYNONYMS]

FIRST_NAMES = [
    "Alice", "Bruno", "Chen", "Dana", "Elif", "Farah", "Gustavo", "Hana", "Ivan", "Jamal", "Keiko",
    "Liam", "Maya", "Nikolai", "Olga", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Victor",
    "Wen", "Ximena", "Yusuf", "Zoe", "Bob", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines",
    "Jonas", "Kemi", "Nikhil", "Pablo",
]
LAST_NAMES = [
    "Anderson", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
    "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Silva", "Tanaka",
    "Smith", "Chen", "Novak", "Larsen",
]
TOPICS = [
    "wireless headphones", "vegan recipes", "machine learning", "running shoes", "jazz concerts",
    "electric cars", "home office chairs", "python tutorials", "hiking trails", "coffee grinders",
    "budget laptops", "yoga classes", "board games", "solar panels", "travel insurance",
    "indoor plants", "mechanical keyboards", "photography courses", "italian restaurants",
    "noise cancelling earbuds", "kids books", "winter jackets", "smart thermostats", "tennis rackets",
]
PHRASES = [
    "quarterly budget review", "team offsite planning", "birthday dinner", "server maintenance window",
    "project kickoff", "weekly sync", "product launch", "dentist appointment", "flight to the conference",
    "invoice follow-up", "garden renovation", "onboarding checklist", "customer feedback summary",
    "monthly report", "car service", "design review", "book club meeting", "travel itinerary",
    "quarterly planning review", "weekly team sync", "updated shipping preferences", "notes from the kickoff meeting",
    "budget overview",
]
"""Titles and subjects (an event, a task, a note's title)."""
SENTENCES = [
    "Please confirm the delivery window", "The package arrived damaged", "Running ten minutes late",
    "Let's move the meeting to next week", "Thanks for the quick help", "Can we reschedule the call",
    "The report is ready for review", "Remember to bring the documents", "Happy to join the event",
    "I would like a refund for the order", "Follow up on the last request", "Please confirm the details",
]
"""Message bodies, notes and comments."""
WORDS = [
    "alpha", "blue", "cedar", "delta", "ember", "falcon", "granite", "harbor", "indigo", "juniper",
    "kestrel", "lumen", "maple", "nova", "orchid", "pioneer", "quartz", "raven", "summit", "tundra",
    "cloud", "forest", "garden", "island", "jade", "kite", "lunar", "meadow", "north", "orbit", "pixel",
    "river", "tiger", "urban", "velvet", "willow", "zenith",
]
"""Neutral words for names of things ("Harbor Hotel"), generated keys, slugs and host names."""
COLORS = ["red", "blue", "green", "black", "white", "silver", "yellow", "purple", "orange"]
LANGUAGES = ["English", "Spanish", "French", "German", "Japanese", "Portuguese", "Italian", "Korean"]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "INR"]
AIRPORTS = ["JFK", "LHR", "CDG", "LIS", "NRT", "SFO", "LAX", "FRA", "MAD", "AMS", "SIN", "SYD", "ORD", "BOS", "DXB"]
COUNTRY_CODES = ["US", "GB", "DE", "FR", "JP", "CA", "PT", "ES", "IT", "NL", "BR", "IN"]
LANGUAGE_CODES = ["en", "es", "fr", "de", "ja", "pt", "it", "ko"]
DOMAINS = ["example.com", "mail.test", "company.org", "inbox.net"]
COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella Ltd", "Stark Industries", "Wayne Enterprises"]
STATUSES = ["active", "pending", "completed", "confirmed", "processing"]
STREETS = ["Main St", "Oak Ave", "Pine Rd", "Maple Dr", "Elm St", "Cedar Ln"]
AIRLINES = ["TAP Air Portugal", "Lufthansa", "Air France", "KLM", "Iberia", "Delta", "United", "Emirates", "ANA", "Qantas"]
AIRLINE_CODES = ["TP", "LH", "AF", "KL", "IB", "DL", "UA", "EK", "NH", "QF"]
TICKERS = ["AAPL", "MSFT", "GOOG", "AMZN", "NVDA"]

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
NUMBER_WORDS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
]

SYNONYM_GROUPS: list[list[str]] = PLACE_SYNONYMS + COUNTRY_SYNONYMS


def _norm(text: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


# normalised surface form -> every normalised form of the same thing
SYNONYMS: dict[str, frozenset[str]] = {}
for _group in SYNONYM_GROUPS:
    _forms = frozenset(_norm(x) for x in _group)
    for _form in _forms:
        SYNONYMS[_form] = _forms
