"""User personas: how a simulated user opens, asks, lists values and signs off."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Persona:
    """Phrasing preferences of one kind of user."""

    name: str
    openers: tuple[str, ...]
    closers: tuple[str, ...]
    asks: tuple[str, ...]
    """Request frames; ``{action}`` is a verb phrase ("get the weather for a city")."""
    arg_styles: tuple[str, ...]
    """Names of argument phrasings this persona uses (see user_simulator.ARG_STYLES)."""
    answers: tuple[str, ...]
    """Answers to a clarifying question; ``{value}`` is the value, ``{param}`` its name."""


PERSONAS: dict[str, Persona] = {
    p.name: p
    for p in [
        Persona(
            "busy_professional",
            ("", "", "Quick one:"),
            ("", "Thanks."),
            ("{action}.", "Please {action}.", "Need you to {action}.", "{Action} ASAP."),
            ("colon", "for"),
            ("{value}.", "It's {value}.", "{param}: {value}."),
        ),
        Persona(
            "polite_retiree",
            ("Hello there,", "Good morning,", "Hi, I hope you're well."),
            ("Thank you so much!", "Many thanks in advance.", "I appreciate your help."),
            ("Would you be so kind as to {action}?", "Could you please {action}?", "I would like you to {action}, if possible."),
            ("where", "sentence"),
            ("Oh, of course. The {param} is {value}.", "Sorry about that, it should be {value}.", "Yes, please use {value} for the {param}."),
        ),
        Persona(
            "student",
            ("hey", "hi!", "yo,"),
            ("thx", "ty!", ""),
            ("can u {action}?", "i need to {action}", "pls {action}", "help me {action}?"),
            ("for", "with"),
            ("oh yeah, {value}", "{value} pls", "it's {value}"),
        ),
        Persona(
            "developer",
            ("", "Task:"),
            ("", "Thanks."),
            ("{Action}.", "Call the API to {action}.", "I want to {action}."),
            ("colon", "equals"),
            ("{param}={value}", "Use {value}.", "{param}: {value}"),
        ),
        Persona(
            "traveler",
            ("Hi!", "Hey there,", "Hello!"),
            ("Cheers!", "Thanks a lot.", ""),
            ("I'm hoping you can {action}.", "Can you {action} for me?", "I'd love it if you could {action}."),
            ("sentence", "with", "for"),
            ("Right, it's {value}.", "Make that {value}.", "The {param} is {value}."),
        ),
        Persona(
            "non_native",
            ("Hello.", "Hi.", ""),
            ("Thank you.", ""),
            ("Please help to {action}.", "I want {action}.", "You can {action}?"),
            ("sentence", "colon"),
            ("{param} is {value}.", "It is {value}.", "{value}, thank you."),
        ),
    ]
}

PERSONA_NAMES = tuple(PERSONAS)
