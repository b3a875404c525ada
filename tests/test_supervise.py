"""bin/supervise, which `make run` (the Procfile) runs each process under: a process that dies
is started again; stopping the supervisor stops the process and does not start it again."""

import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wait_for(condition, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def pids(log: Path) -> list[int]:
    return [int(line) for line in log.read_text().split()] if log.exists() else []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_process_that_dies_is_started_again_until_the_supervisor_is_stopped(tmp_path):
    log = tmp_path / "started"
    # The supervised process writes its pid, then sleeps (exec: the pid is the sleeper's).
    supervisor = subprocess.Popen(
        [str(ROOT / "bin" / "supervise"), "sh", "-c", f"echo $$ >> {log}; exec sleep 300"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: len(pids(log)) == 1)
        os.kill(pids(log)[0], signal.SIGKILL)  # a crash
        assert wait_for(lambda: len(pids(log)) == 2)
        first, second = pids(log)
        assert first != second and alive(second) and not alive(first)

        supervisor.send_signal(signal.SIGTERM)  # honcho stopping
        assert supervisor.wait(timeout=20) == 0
        assert wait_for(lambda: not alive(second), 5)
        time.sleep(1.5)
        assert len(pids(log)) == 2  # not started again
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    assert "exited with status 137; starting it again in 1s" in supervisor.stderr.read()


def test_the_procfile_runs_each_process_under_the_supervisor():
    lines = (ROOT / "Procfile").read_text().splitlines()
    commands = dict(line.split(": ", 1) for line in lines if line.strip())
    assert set(commands) == {"web", "worker", "beat"}
    assert all(command.startswith("bin/supervise ") for command in commands.values())
