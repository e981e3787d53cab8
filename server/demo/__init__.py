"""The demo committee (`--demo`): a fictional 居委会 on a real one's figures, loaded in one go.

figures (the numbers), notes (names and what people write), plan (the committee made in
Python, seeded), load (writing it in one transaction), tasks (the office's send-backs and the
leaders' roster proposals). Callers need only what is named here.
"""

from server.demo.figures import COMMUNITY_NAME, DemoError, DemoSummary
from server.demo.load import demo_present, load_demo

__all__ = ["COMMUNITY_NAME", "DemoError", "DemoSummary", "demo_present", "load_demo"]
