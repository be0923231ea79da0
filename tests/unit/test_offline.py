"""Measurement jobs are offline: Hugging Face switches set before import, connections refused."""

import socket
import subprocess
import sys
import textwrap

from powerhungry.offline import REFUSAL


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    # A child process: the guard patches the socket module of the process it runs in.
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )


def test_hugging_face_libraries_see_offline_mode():
    result = run_python(
        """
        from powerhungry.offline import offline_job
        offline_job()
        import huggingface_hub.constants, datasets.config
        print(huggingface_hub.constants.HF_HUB_OFFLINE, datasets.config.HF_DATASETS_OFFLINE)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["True", "True"]


def test_remote_connections_are_refused_and_reported():
    result = run_python(
        """
        import socket
        from powerhungry.offline import offline_job
        offline_job()
        for attempt in (lambda: socket.create_connection(("203.0.113.7", 443), timeout=5),
                        lambda: socket.getaddrinfo("huggingface.co", 443)):
            try:
                attempt()
            except ConnectionRefusedError as error:
                print("refused:", type(error).__name__)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == ["refused: NetworkAccessError"] * 2
    # Reported on stderr even when a library swallows the exception.
    assert result.stderr.count(REFUSAL) == 2
    assert "203.0.113.7" in result.stderr and "huggingface.co" in result.stderr


def test_loopback_stays_open():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        result = run_python(
            f"""
            import socket
            from powerhungry.offline import offline_job
            offline_job()
            socket.create_connection(("localhost", {port}), timeout=5).close()
            print("connected")
            """
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "connected"
