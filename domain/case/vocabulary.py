"""The case's closed vocabularies, defined once: the domain checks them and the API
schemas offer exactly these values."""

from __future__ import annotations

from typing import Literal, get_args

Channel = Literal["window", "online", "mobile", "kiosk"]
Outcome = Literal["approved", "denied"]
Opinion = Literal["agree", "disagree"]
DeliveryMethod = Literal["window", "post", "electronic"]
ClosureResult = Literal[
    "certificate_issued",  # 0 出证办结
    "returned",  # 1 退回
    "voided",  # 2 作废
    "forwarded",  # 4 转报
    "never_completed",  # 5 补正不来
    "other",  # 6 办结
]
RatingStage = Literal["acceptance", "closure"]
Rater = Literal["applicant", "kiosk"]  # who rates: the applicant, or a window evaluation device
Rectification = Literal["ordered", "reported", "called_back"]  # how far a poor rating's got
ExtensionApprover = Literal[
    "department_head",  # 本行政机关负责人: the ordinary extension (Art. 42(1))
    "government_head",  # 本级人民政府负责人: joint handling's extension (Art. 42(2))
]
POOR_RATING = 2  # ratings of 1 and 2 (of 5) are poor and must be rectified
DEEMED_RATING = 4  # 满意: what a stage deemed satisfied (视为满意) counts as

CHANNELS: tuple[Channel, ...] = get_args(Channel)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
OPINIONS: tuple[Opinion, ...] = get_args(Opinion)
DELIVERY_METHODS: tuple[DeliveryMethod, ...] = get_args(DeliveryMethod)
CLOSURE_RESULTS: tuple[ClosureResult, ...] = get_args(ClosureResult)
RATING_STAGES: tuple[RatingStage, ...] = get_args(RatingStage)
RATERS: tuple[Rater, ...] = get_args(Rater)
EXTENSION_APPROVERS: tuple[ExtensionApprover, ...] = get_args(ExtensionApprover)
