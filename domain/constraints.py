"""The bounds of what a command may carry, declared once as ``annotated_types``
metadata: the domain's command objects carry them, and the API's schemas (which
enforce them and publish them in OpenAPI) are derived from those objects."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le, MaxLen, MinLen

MAX_TEXT = 2000
MAX_LIST = 100
MAX_VERSION = 2**31 - 1
MAX_AMOUNT_FEN = 10**12
MAX_DAYS = 3650

Text = Annotated[str, MinLen(1), MaxLen(MAX_TEXT)]  # required free text
Note = Annotated[str, MaxLen(MAX_TEXT)]  # optional free text ("" when absent)
Name = Annotated[str, MinLen(1), MaxLen(200)]
Code = Annotated[str, MinLen(1), MaxLen(64)]
AmountFen = Annotated[int, Ge(0), Le(MAX_AMOUNT_FEN)]
