"""The roles a verified token may carry."""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal[
    "clerk",  # 窗口
    "officer",  # 承办/审核
    "approver",  # department head
    "hall_admin",
    "supervisor",
    "inspector",  # 纪检监察: reads the audit trail, each read on record
    "senior_inspector",  # an inspector who also reads the inspectors' access log
    "integrator",  # reads the Kafka stream; no action here
    "applicant",  # acts with the case number and query code, checked by the public API
    "kiosk",  # a window evaluation device (评价器): rates, nothing else
]
ROLES: tuple[Role, ...] = get_args(Role)
