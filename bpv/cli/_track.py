"""``bpv track``: the benefits register from the command line.

``bpv track init``, ``add``, ``bids``, ``history`` and ``upgrade``, each on the
register named by ``--db`` (a file or a database URL), else ``$BPV_REGISTER``,
else ``bpv-register.db`` in the current folder. The register (and SQLAlchemy)
is imported only when a ``track`` command runs, so the other verbs stay quick.
A user's mistake is one line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeAlias

import numpy as np

from bpv._utils.files import read_regular_file
from bpv._utils.formatting import format_money, text_table
from bpv._utils.output import output_problem
from bpv._utils.versions import stamped
from bpv.cli._guards import EXIT_INVALID, EXIT_OK, guarded, load_bid, reason
from bpv.cli._output import add_output_arguments, check_output, emit
from bpv.cli._run_flags import add_run_arguments
from bpv.engine.monte_carlo import appraise
from bpv.errors import BPVError
from bpv.io import loads
from bpv.reporting.html_tracking import report_tracking
from bpv.tables.status import DeliveryStatus
from bpv.tracking.actuals import MAX_ACTUALS_BYTES, as_at_date, read_actuals

__all__ = ["add_track"]

if TYPE_CHECKING:
    from bpv.register.records import BidVersion
    from bpv.register.store import Register

    Verbs: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

Command = Callable[[argparse.Namespace, TextIO], int]


def add_track(commands: Verbs) -> None:
    """Add ``bpv track`` and its commands to the command line's verbs."""
    track = commands.add_parser(
        "track", help="the benefits register: approved bids, actuals, status, history",
        description="Keep approved bids, their appraisals, actuals and status snapshots in a "
        "benefits register that never loses its history: a SQLite file (default "
        "bpv-register.db in the current folder, or $BPV_REGISTER) or a PostgreSQL database "
        "(--db postgresql+psycopg://user@host/db, with pip install 'bpv[postgres]').",
    )
    verbs = track.add_subparsers(title="commands", metavar="COMMAND", required=True)
    _verb(verbs, "init", _run_init, "create the register (nothing happens if it exists)")
    add = _verb(verbs, "add", _run_add,
                "appraise an approved bid and record it with its appraisal; a changed bid "
                "with the same id becomes a new version")
    add.add_argument("file", metavar="BID", type=Path, help="bid file (.yaml, .yml, .json)")
    add.add_argument("--approved-by", required=True, metavar="NAME",
                     help="who approved the bid (a board, a person)")
    add.add_argument("--approved-at", metavar="DATE",
                     help="when it was approved, such as 2026-04-01 (default now)")
    add_run_arguments(add)
    bids = _verb(verbs, "bids", _run_bids, "list the bids in the register, latest versions")
    bids.add_argument("--as-at", metavar="DATE",
                      help="as the register stood then (a date means the end of that day)")
    bids.add_argument("--json", action="store_true", help="print one JSON document")
    history = _verb(verbs, "history", _run_history,
                    "every event of a bid in order: versions, appraisals, imports, "
                    "corrections, snapshots")
    history.add_argument("bid", metavar="BID", help="the bid's id")
    history.add_argument("--as-at", metavar="DATE",
                         help="as the register stood then (a date means the end of that day)")
    history.add_argument("--json", action="store_true", help="print one JSON document")
    _verb(verbs, "upgrade", _run_upgrade,
          "bring a register written by an older bpv to this bpv's schema, in one transaction")
    actuals = _verb(verbs, "actuals", _run_actuals,
                    "check a file of actuals against its bid and record it, all or nothing; "
                    "then store the bid's status and re-forecast as at today")
    actuals.add_argument("file", metavar="FILE", type=Path,
                         help="actuals (CSV: bid, node, period, value[, organisation, source, "
                         "recorded_by, recorded_at, note])")
    actuals.add_argument("--bid", metavar="ID",
                         help="the bid the actuals are of (default: the file's bid column)")
    actuals.add_argument("--recorded-by", metavar="NAME", default="bpv track actuals",
                         help="who records them (kept with every row)")
    actuals.add_argument("--as-at", metavar="DATE",
                         help="the reporting date (default today): no actual may end after it")
    actuals.add_argument("--no-reforecast", action="store_true",
                         help="store the status only, without the Bayesian re-forecast")
    status = _verb(verbs, "status", _run_status,
                   "each bid's delivery as last recorded: RAG counts, the re-forecast NPV and "
                   "ROI, P(NPV > 0) before and after, failing hypotheses; or one bid's table")
    status.add_argument("bid", metavar="BID", nargs="?", help="one bid's status in full")
    status.add_argument("--as-at", metavar="DATE",
                        help="as the register stood then (a date means the end of that day)")
    add_output_arguments(status, csv="csv: one number a row (bid, scope, metric, unit, "
                         "statistic, value, …): each bid's summary by series, RAG counts and "
                         "re-forecast metrics before and after")
    report = _verb(verbs, "report", _run_report,
                   "write a bid's delivery report (HTML): plan fans with actuals, RAG table, "
                   "re-forecast, hypotheses prior against posterior")
    report.add_argument("bid", metavar="BID", help="the bid's id")
    report.add_argument("-o", "--output", type=Path, required=True, metavar="FILE",
                        help="the HTML file to write (whole or not at all)")
    report.add_argument("--as-at", metavar="DATE",
                        help="the reporting date (default today)")


def _verb(verbs: Verbs, name: str, command: Command, text: str) -> argparse.ArgumentParser:
    parser = verbs.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
    parser.add_argument("--db", metavar="URL",
                        help="the register: a file or a database URL (default $BPV_REGISTER, "
                        "else bpv-register.db)")
    parser.set_defaults(command=_guarded(command), track_command=name)
    return parser


def _guarded(command: Command) -> Command:
    """Run a track command; a user's error is one line and exit code 1."""
    def run(args: argparse.Namespace, out: TextIO) -> int:
        try:
            return command(args, out)
        except BPVError as exc:
            print(f"bpv track {args.track_command}: {exc}", file=sys.stderr)
            return EXIT_INVALID
    run.__name__ = command.__name__.lstrip("_")
    return run


def _register(args: argparse.Namespace) -> Register:
    from bpv.register.store import Register

    return Register(args.db)


def _run_init(args: argparse.Namespace, out: TextIO) -> int:
    with _register(args) as register:
        existed = _exists(register)
        version = register.init()
        state = "already a bpv register" if existed else "created"
        out.write(f"{register.name}: {state} (schema {version})\n")
    return EXIT_OK


def _exists(register: Register) -> bool:
    try:
        return register.schema_version() > 0
    except BPVError:
        return False


def _run_upgrade(args: argparse.Namespace, out: TextIO) -> int:
    with _register(args) as register:
        before, after = register.upgrade()
        done = (f"upgraded from schema {before} to {after}" if after > before
                else f"already at schema {after}; nothing to do")
        out.write(f"{register.name}: {done}\n")
    return EXIT_OK


def _run_add(args: argparse.Namespace, out: TextIO) -> int:
    bid = load_bid(args.file)
    if bid is None:
        return EXIT_INVALID
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{args.file}: {reason(exc)}", file=sys.stderr)
        return EXIT_INVALID
    seed = int(np.random.SeedSequence().entropy) if args.seed is None else args.seed  # type: ignore[arg-type]
    with _register(args) as register:
        register.check()  # a wrong register fails before the appraisal, not after it
        result = guarded(args.file, lambda: appraise(
            bid, n_draws=args.draws, rng=seed, method=args.method, kernel=args.kernel,
            progress=False if args.quiet else None))
        if result is None:
            return EXIT_INVALID
        started = datetime.now(UTC)
        stored = register.add_bid(
            bid, text=text, approved_by=args.approved_by, approved_at=args.approved_at,
            n_draws=args.draws, seed=seed, method=args.method, kernel=args.kernel,
            summary=result, format="json" if args.file.suffix.lower() == ".json" else "yaml")
        state = ("recorded in" if stored.recorded_at >= started
                 else "is already (the same bid) in")
        out.write(f"{stored.bid_id}: version {stored.version} {state} {register.name} "
                  f"(hash {stored.bid_hash[:12]}), approved by {stored.approved_by} on "
                  f"{stored.approved_at:%Y-%m-%d}\n")
        again = stored.appraisal is not None and stored.appraisal.recorded_at < started
        npv = result.summary().to_dict().get("npv", {}).get("mean")
        out.write(f"appraisal{' (already recorded)' if again else ''}: {args.draws:,} draws "
                  f"({args.method}, {result.provenance['kernel']}), seed {seed}"
                  + (f", mean NPV {format_money(npv)}" if npv is not None else "") + "\n")
    return EXIT_OK


def _bid_dict(stored: BidVersion) -> dict[str, Any]:
    appraisal = stored.appraisal
    return {"bid": stored.bid_id, "version": stored.version, "title": stored.title,
            "bid_hash": stored.bid_hash, "approved_by": stored.approved_by,
            "approved_at": stored.approved_at.isoformat(),
            "recorded_at": stored.recorded_at.isoformat(),
            "appraisal": None if appraisal is None else {
                "n_draws": appraisal.n_draws, "entropy": appraisal.entropy,
                "method": appraisal.method, "kernel": appraisal.kernel,
                "bpv_version": appraisal.bpv_version,
                "npv_mean": appraisal.summary.get("metrics", {}).get("npv", {}).get("mean")}}


def _run_bids(args: argparse.Namespace, out: TextIO) -> int:
    with _register(args) as register:
        found = register.bids(as_at=args.as_at)
        if args.json:
            json.dump(stamped("track-bids", {
                "register": register.name, "as_at": args.as_at,
                "bids": [_bid_dict(stored) for stored in found]}), out, indent=2)
            out.write("\n")
            return EXIT_OK
        if not found:
            out.write(f"{register.name}: no bids" + (f" as at {args.as_at}" if args.as_at
                                                      else "") + "\n")
            return EXIT_OK
        rows = [[stored.bid_id, str(stored.version), stored.approved_by,
                 f"{stored.approved_at:%Y-%m-%d}",
                 f"{stored.appraisal.n_draws:,}" if stored.appraisal else "-",
                 _npv(stored), stored.title] for stored in found]
        out.write("\n".join(text_table(["bid", "version", "approved by", "approved",
                                        "draws", "mean NPV", "title"], rows)) + "\n")
    return EXIT_OK


def _npv(stored: BidVersion) -> str:
    mean = (stored.appraisal.summary.get("metrics", {}).get("npv", {}).get("mean")
            if stored.appraisal else None)
    return format_money(mean) if isinstance(mean, int | float) else "-"


def _run_history(args: argparse.Namespace, out: TextIO) -> int:
    with _register(args) as register:
        view = register.as_at(args.as_at) if args.as_at else register
        events = view.history(args.bid)
        if args.json:
            json.dump(stamped("track-history", {
                "bid": args.bid, "register": register.name, "as_at": args.as_at,
                "events": [event.to_dict() for event in events]}), out, indent=2)
            out.write("\n")
            return EXIT_OK
        for event in events:
            out.write(f"{event.at:%Y-%m-%d %H:%M:%S} UTC  {event.kind:<10}  {event.summary}\n")
    return EXIT_OK


def _bid_of(path: Path) -> str | None:
    """Return the bid column of the first row of a CSV file of actuals, if it has one."""
    text = read_regular_file(path, limit=MAX_ACTUALS_BYTES,
                             what="an actuals file").decode("utf-8-sig", errors="replace")
    for row in csv.DictReader(io.StringIO(text)):
        value = (row.get("bid") or "").strip()
        return value or None
    return None


def _run_actuals(args: argparse.Namespace, out: TextIO) -> int:
    from bpv.register.delivery import take_snapshots

    day = as_at_date(args.as_at, function="bpv track actuals")
    try:
        bid_id = args.bid or _bid_of(args.file)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{args.file}: {reason(exc)}", file=sys.stderr)
        return EXIT_INVALID
    if bid_id is None:
        print(f"{args.file}: no bid column to say whose actuals these are; give --bid ID",
              file=sys.stderr)
        return EXIT_INVALID
    with _register(args) as register:
        stored = register.bid(bid_id)
        bid = loads(stored.text, format=stored.format)  # type: ignore[arg-type]
        try:
            actuals = read_actuals(args.file, bid, as_at=day)
        except OSError as exc:
            print(f"{args.file}: {reason(exc)}", file=sys.stderr)
            return EXIT_INVALID
        import_id = register.record_actuals(bid_id, actuals.records,
                                            recorded_by=args.recorded_by,
                                            file_name=args.file.name)
        out.write(f"{bid_id}: {len(actuals.records):,} actuals recorded in {register.name} "
                  f"(import {import_id})\n")
        tracking, update = take_snapshots(register, bid_id, as_at=day,
                                          reforecast=not args.no_reforecast)
        counts = tracking.status().counts()
        out.write(f"status as at {day}: {counts['green']} green, {counts['amber']} amber, "
                  f"{counts['red']} red\n")
        if update is not None:
            npv = update.metrics["system"]["npv"]
            failing = [row.name for row in update.hypotheses if row.failing]
            out.write(f"re-forecast ({update.method}): mean NPV "
                      f"{format_money(npv['prior']['mean'])} -> "
                      f"{format_money(npv['posterior']['mean'])}; failing: "
                      f"{', '.join(failing) if failing else 'none'}\n")
    return EXIT_OK


def _run_status(args: argparse.Namespace, out: TextIO) -> int:
    misuse = check_output(args, "bpv track status")
    if misuse is not None:
        return misuse
    with _register(args) as register:
        found = register.status(args.bid, as_at=args.as_at)
        table = DeliveryStatus(register.name, args.as_at, tuple(found))
        return emit(args, out, table, text=lambda: _status_text(register.name, args, found))


def _status_text(name: str, args: argparse.Namespace, found: list[dict[str, Any]]) -> str:
    """Return ``bpv track status``'s text: one bid's table in full, or a row a bid."""
    if args.bid is not None:
        if not found:
            return f"{args.bid}: no status recorded yet (bpv track actuals FILE)"
        payload = found[0]
        text = str(payload["text"])
        if "reforecast" in payload:
            text += "\n\n" + payload["reforecast"]["text"]
        return text
    if not found:
        return f"{name}: no status recorded yet"
    rows = [_status_row(payload) for payload in found]
    return "\n".join(text_table(
        ["bid", "as at", "green", "amber", "red", "NPV (plan)", "NPV (re-forecast)",
         "P(NPV>0) now", "failing"], rows))


def _status_row(payload: dict[str, Any]) -> list[str]:
    counts = payload.get("counts", {})
    forecast = payload.get("reforecast") or {}
    npv = forecast.get("metrics", {}).get("npv", {})
    chance = forecast.get("probabilities", {}).get("P(npv > 0)", {})

    def money(value: Any) -> str:
        return format_money(value) if isinstance(value, int | float) else "-"

    return [payload.get("bid", ""), payload.get("as_at", ""), str(counts.get("green", 0)),
            str(counts.get("amber", 0)), str(counts.get("red", 0)), money(npv.get("prior")),
            money(npv.get("posterior")),
            f"{chance['posterior']:.1%}" if "posterior" in chance else "-",
            ", ".join(forecast.get("failing", [])) or "-"]


def _run_report(args: argparse.Namespace, out: TextIO) -> int:

    problem = output_problem(args.output)
    if problem is not None:
        print(f"bpv track report: {problem}", file=sys.stderr)
        return EXIT_INVALID
    with _register(args) as register:
        tracking = register.track(args.bid, as_at=args.as_at)
        update = None
        if tracking.actuals.observations:
            entropy = tracking.appraisal.entropy
            update = tracking.reforecast(rng=np.random.SeedSequence(
                list(entropy) if isinstance(entropy, tuple) else entropy))
        report_tracking(tracking, args.output, reforecast=update)
    out.write(f"{args.output}\n")
    return EXIT_OK
