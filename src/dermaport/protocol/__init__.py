"""Typed treatment steps and their text grammar (``"iontophoresis cathode 0.3 mA/cm2 for 6 min"``)."""

from dermaport.protocol.steps import (
    Amount,
    Desincrustation,
    Iontophoresis,
    Passive,
    Rest,
    Step,
    parse_step,
)

__all__ = ["Amount", "Desincrustation", "Iontophoresis", "Passive", "Rest", "Step", "parse_step"]
