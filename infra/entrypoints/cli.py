"""The ``casetrail`` command line: the local stack, the migrations, the processes,
tokens, operators' commands, and ``up``. Each command imports what it runs when it
runs; only ``stack`` and ``up`` import the local stack (``infra.local``)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from domain.errors import DomainError
from infra.servers import without_password


def command(*args: str) -> list[str]:
    """The argv that runs ``casetrail <args>`` in a child process, with this interpreter."""
    return [sys.executable, "-m", "infra.entrypoints.cli", *args]


def run_bench(options: Sequence[str]) -> int:
    """``python -m bench`` with ``options``, from the checkout (the suite is not installed)."""
    from infra.state import ROOT

    if not (ROOT / "bench" / "__main__.py").exists():
        print(
            f"casetrail: the benchmarks are not in {ROOT}: run them from a checkout",
            file=sys.stderr,
        )
        return 1
    return subprocess.call([sys.executable, "-m", "bench", *options], cwd=ROOT)


def _day(text: str) -> date:
    """A ``--date`` argument: YYYY-MM-DD, or a readable refusal."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="casetrail", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    stack = commands.add_parser("stack", help="start, stop or show the local Kafka and PostgreSQL")
    stack.add_argument("action", choices=["up", "down", "status"])
    commands.add_parser("up", help="run the whole platform with demo data (Ctrl-C stops it)")
    commands.add_parser(
        "status", help="the processes `casetrail up` supervises, their restarts and lags"
    )
    commands.add_parser(
        "bench", help="run the benchmarks on the local servers (casetrail bench --help)"
    )
    commands.add_parser(
        "migrate",
        help="apply the schema migrations the database lacks, then the grants, as the owner "
        "(DATABASE_URL)",
    )
    commands.add_parser("grants", help="print the SQL granting each role what it needs")
    commands.add_parser("relay", help="run the relay: event store → Kafka")
    commands.add_parser("project", help="run the projection runner: Kafka → read models")
    commands.add_parser(
        "anomalies", help="run the anomaly detector: Kafka → facts → anomalies recorded"
    )
    sweep = commands.add_parser(
        "sweep",
        help="run the deadline sweeper: Kafka → the schedule → the timed events due recorded",
    )
    sweep.add_argument(
        "--once",
        action="store_true",
        help="sweep the schedule as it stands one time, print what was recorded, and exit",
    )
    commands.add_parser(
        "notify", help="run the notifier: Kafka → alerts and notices → notifications topic"
    )
    commands.add_parser(
        "webhooks", help="run the webhook deliveries: Kafka → outbox → signed POSTs to subscribers"
    )
    exchange = commands.add_parser(
        "exchange",
        help="run the exporter: Kafka → exchange records and approvals topics, daily files",
    )
    exchange_commands = exchange.add_subparsers(dest="exchange_command", metavar="SUBCOMMAND")
    files = exchange_commands.add_parser(
        "files", help="write a day's exchange files (JSON Lines and manifest) and exit"
    )
    files.add_argument("--date", type=_day, help="the hall's day, YYYY-MM-DD (default: yesterday)")
    files.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="the folder (default: CASETRAIL_EXCHANGE_DIR, else .casetrail/exchange)",
    )
    commands.add_parser("api", help="run the HTTP API")
    integrator = commands.add_parser("integrator", help="integrators' own read-only Kafka users")
    integrator_commands = integrator.add_subparsers(dest="integrator_command", required=True)
    integrator_add = integrator_commands.add_parser(
        "add",
        help="make a Kafka user that reads the topics (not the dead letters) in consumer groups "
        "of its own prefix, and print its connection settings (kafka-python's options)",
    )
    integrator_add.add_argument("name", metavar="NAME", help="lowercase letters, digits and '-'")
    integrator_add.add_argument(
        "--rotate", action="store_true", help="give an existing integrator a new password"
    )
    integrator_remove = integrator_commands.add_parser(
        "remove", help="delete an integrator's Kafka user and its ACLs"
    )
    integrator_remove.add_argument("name", metavar="NAME")
    token = commands.add_parser("token", help="print a signed bearer token for local use")
    token.add_argument("--user", required=True)
    token.add_argument("--role", required=True, action="append", help="repeat for several roles")
    token.add_argument("--department", required=True)
    token.add_argument("--hours", type=float, default=12.0, help="lifetime, at most 24 (12)")

    privacy = commands.add_parser("privacy", help="applicants' personal data")
    privacy_commands = privacy.add_subparsers(dest="privacy_command", required=True)
    erase = privacy_commands.add_parser(
        "erase", help="erase an applicant's personal data (destroys its data keys)"
    )
    erase.add_argument(
        "--id-number",
        required=True,
        help="the applicant's ID number; '-' reads it from standard input (out of ps and history)",
    )
    erase.add_argument("--reason", required=True)
    erase.add_argument("--legal-basis", help="default: PIPL Art. 47")
    erase.add_argument("--token", help="a hall_admin token (default: $CASETRAIL_TOKEN)")
    privacy_commands.add_parser(
        "rewrap", help="re-wrap every data key under the current master key (after rotation)"
    )

    held = commands.add_parser("quarantine", help="messages the views refused (poison)")
    held_commands = held.add_subparsers(dest="quarantine_command", required=True)
    listing = held_commands.add_parser("list", help="the held messages")
    listing.add_argument("--all", action="store_true", help="decided ones too")
    for name, what in (
        ("replay", "apply a held message to the views, if it is valid now"),
        ("discard", "give up a held message"),
    ):
        decision = held_commands.add_parser(name, help=what)
        decision.add_argument("id", type=int, help="its number in `casetrail quarantine list`")
        decision.add_argument("--reason", required=True, help="why (recorded)")
        decision.add_argument("--token", help="a hall_admin token (default: $CASETRAIL_TOKEN)")

    audit = commands.add_parser(
        "audit", help="the transparency log of every event: run it, verify it, export proofs"
    )
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_commands.add_parser(
        "log", help="run the audit log: Kafka → the transparency log, with signed checkpoints"
    )
    verify = audit_commands.add_parser(
        "verify",
        help="check every chain (PostgreSQL and Kafka), leaf, node and checkpoint; "
        "report the first broken link (exit 1)",
    )
    verify.add_argument("--json", action="store_true", help="machine-readable report")
    export = audit_commands.add_parser(
        "export", help="write a case's offline verification bundle (events, proofs, checkpoint)"
    )
    export.add_argument("case_no", metavar="CASE_NO")
    export.add_argument("--out", required=True, type=Path, metavar="FILE")
    bundle = audit_commands.add_parser(
        "verify-bundle", help="check a bundle offline: no database, no network"
    )
    bundle.add_argument("file", type=Path, metavar="FILE")
    for parser_with_key in (verify, export, bundle):
        parser_with_key.add_argument(
            "--verifier-key",
            metavar="VKEY_OR_FILE",
            help="the log's verifier key (vkey text), or a file holding it "
            "(default: CASETRAIL_AUDIT_VERIFIER_KEY; verify-bundle: the bundle's own, with "
            "a warning)",
        )

    given = list(sys.argv[1:] if argv is None else argv)
    if given[:1] == ["bench"]:  # its options are the suite's own
        return run_bench(given[1:])
    args = parser.parse_args(given)
    try:
        return _run(args)
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, LookupError, DomainError) as error:
        print(f"casetrail: {error}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "stack":
        from infra.local import stack

        if args.action == "up":
            info = stack.up()
            print(f"KAFKA_BOOTSTRAP_SERVERS={info.bootstrap_servers}")
            print(f"DATABASE_URL={without_password(info.database_url)}")
        else:
            {"down": stack.down, "status": stack.print_status}[args.action]()
        return 0
    if args.command == "up":
        from infra.entrypoints.up import run_platform

        return run_platform()
    if args.command == "grants":
        from infra.grants import grant_statements

        print("".join(f"{statement.as_string()};\n" for statement in grant_statements()), end="")
        return 0
    if args.command == "audit" and args.audit_command == "verify-bundle":
        from infra.entrypoints.audit_commands import check_bundle

        return check_bundle(args.file, verifier_key=args.verifier_key)
    from infra.config import Settings

    settings = Settings.from_env()
    if args.command == "token":
        from api.tokens import issue

        try:
            token = issue(
                settings.token_secret,
                user=args.user,
                roles=args.role,
                department=args.department,
                hours=args.hours,
            )
        except ValueError as error:
            raise RuntimeError(str(error)) from None
        print(token)
    elif args.command == "migrate":
        from infra.entrypoints.bootstrap import migrate

        migrate(settings)
    elif args.command == "relay":
        from infra.entrypoints.processes import run_relay

        run_relay(settings)
    elif args.command == "project":
        from infra.entrypoints.processes import run_projections

        run_projections(settings)
    elif args.command == "anomalies":
        from infra.entrypoints.processes import run_anomalies

        run_anomalies(settings)
    elif args.command == "sweep":
        from infra.entrypoints.processes import run_sweeper

        return run_sweeper(settings, once=args.once)
    elif args.command == "exchange" and args.exchange_command == "files":
        from infra.entrypoints.exchange_commands import write_exchange_files

        return write_exchange_files(settings, args.date, args.out)
    elif args.command == "exchange":
        from infra.entrypoints.processes import run_exchange

        run_exchange(settings)
    elif args.command == "notify":
        from infra.entrypoints.processes import run_notifier

        run_notifier(settings)
    elif args.command == "webhooks":
        from infra.entrypoints.processes import run_webhooks

        run_webhooks(settings)
    elif args.command == "audit" and args.audit_command == "log":
        from infra.entrypoints.processes import run_audit_log

        run_audit_log(settings)
    elif args.command == "status":
        from infra.entrypoints.status import print_status

        return print_status(settings)
    elif args.command == "quarantine":
        from infra.entrypoints import quarantine_commands

        if args.quarantine_command == "list":
            return quarantine_commands.show(settings, all_statuses=args.all)
        return quarantine_commands.resolve(
            settings,
            args.id,
            replay=args.quarantine_command == "replay",
            reason=args.reason,
            token=args.token,
        )
    elif args.command == "privacy":
        from infra.entrypoints import privacy_commands

        if args.privacy_command == "rewrap":
            return privacy_commands.rewrap(settings)
        return privacy_commands.erase(
            settings,
            token=args.token,
            id_number=sys.stdin.readline().strip() if args.id_number == "-" else args.id_number,
            reason=args.reason,
            legal_basis=args.legal_basis or privacy_commands.DEFAULT_LEGAL_BASIS,
        )
    elif args.command == "audit":
        from infra.entrypoints import audit_commands

        if args.audit_command == "verify":
            return audit_commands.verify(
                settings, verifier_key=args.verifier_key, as_json=args.json
            )
        return audit_commands.export(
            settings, case_no=args.case_no, out=args.out, verifier_key=args.verifier_key
        )
    elif args.command == "integrator":
        from infra.entrypoints.integrator_commands import add_integrator, remove_integrator

        if args.integrator_command == "remove":
            return remove_integrator(settings, args.name)
        return add_integrator(settings, args.name, rotate=args.rotate)
    elif args.command == "api":
        from infra.entrypoints.processes import serve_api

        serve_api(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
