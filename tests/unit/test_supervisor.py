"""The supervisor restarts a crashed process with a growing back-off and leaves the
others alone (real child processes, no servers)."""

from __future__ import annotations

import sys
from pathlib import Path

from infra.entrypoints.supervisor import Supervisor, read_status
from tests.integration.harness import wait_until


def test_a_crashing_process_is_restarted_with_back_off_and_the_others_run_on(
    tmp_path: Path,
) -> None:
    said: list[str] = []
    supervisor = Supervisor(
        commands={
            "crasher": [sys.executable, "-c", "import sys; print('up'); sys.exit(3)"],
            "steady": [sys.executable, "-c", "import time; time.sleep(120)"],
        },
        env={},
        logs=tmp_path / "logs",
        status_file=tmp_path / "processes.json",
        cwd=tmp_path,
        min_backoff=0.05,
        max_backoff=0.2,
        say=said.append,
    )
    supervisor.start()
    steady = supervisor.children["steady"].process
    assert steady is not None
    try:

        def restarted_thrice() -> bool:
            supervisor.watch()
            return supervisor.children["crasher"].restarts >= 3

        wait_until(restarted_thrice, timeout=30, what="three restarts")
        crasher = supervisor.children["crasher"]
        assert crasher.last_exit == 3 and crasher.backoff == 0.2  # 0.05, 0.1, 0.2, capped
        assert said[0].startswith("casetrail: crasher exited with code 3; restarting it in 0.1")
        assert supervisor.children["steady"].process is steady and steady.poll() is None
        assert supervisor.children["steady"].restarts == 0
        status = read_status(tmp_path / "processes.json")
        assert status["steady"]["pid"] == steady.pid and status["steady"]["state"] == "running"
        assert status["crasher"]["restarts"] >= 3 and status["crasher"]["last_exit"] == 3
        assert (tmp_path / "logs" / "crasher.log").read_text().count("up") >= 3
    finally:
        supervisor.stop(timeout=5)
    assert steady.poll() is not None
    assert read_status(tmp_path / "processes.json") == {}
