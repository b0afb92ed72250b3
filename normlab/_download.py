"""Fetch one file over HTTP(S): mirrors in order, bounded retry, timeout, SHA-256, atomic write.

:func:`fetch` writes ``dest`` only once its bytes have the expected SHA-256;
until then they live in ``dest.<pid>.part`` in the same folder, which is
removed on any failure, including ``KeyboardInterrupt``. A mirror that cannot
be reached at all (unknown host, connection refused) is not retried; a
dropped connection or a timeout is retried ``retries`` times with a doubling
pause, then the next mirror is tried.

Example:
    >>> import hashlib, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "src").write_bytes(b"abc")
    3
    >>> sha = hashlib.sha256(b"abc").hexdigest()
    >>> fetch([(folder / "src").as_uri()], folder / "dst", sha, progress=False).read_bytes()
    b'abc'
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

__all__ = ["DownloadError", "fetch", "progress_default"]

BACKOFF_S = 0.5  # first pause between retries of one mirror; doubles each time
_CHUNK = 1 << 20


class DownloadError(OSError):
    """No mirror delivered the file with the expected checksum; the message lists each try."""


def progress_default() -> bool:
    """A progress bar by default on a terminal, never under CI (``$CI`` set)."""
    return not os.environ.get("CI") and sys.stderr.isatty()


def fetch(
    urls: Sequence[str],
    dest: Path,
    sha256: str,
    *,
    retries: int = 2,
    timeout: float = 30.0,
    progress: bool | None = None,
) -> Path:
    """Download the first of ``urls`` that works into ``dest``, verified by ``sha256``.

    Args:
        urls: the same file on each mirror, tried in order.
        dest: the final path; its folder is created.
        sha256: expected hex digest of the file's bytes.
        retries: further tries of one mirror after a dropped connection or timeout.
        timeout: seconds any single connect or read may wait.
        progress: show a tqdm bar (default :func:`progress_default`; no bar without tqdm).

    Raises:
        DownloadError: every mirror failed; says why for each URL.
    """
    if not urls:
        raise DownloadError(
            f"no mirror to download {dest.name} from (the mirror list is empty)"
        )
    if retries < 0:
        raise ValueError(f"retries={retries} must be >= 0")
    if not timeout > 0:
        raise ValueError(f"timeout={timeout} must be > 0 seconds")
    progress = progress_default() if progress is None else progress
    dest.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for url in urls:
        for attempt in range(retries + 1):
            part = dest.with_name(f"{dest.name}.{os.getpid()}.part")
            try:
                digest = _get(url, part, timeout, progress)
                if digest != sha256:
                    failures.append(
                        f"{url}: sha256 mismatch for {dest.name} (got {digest}, expected "
                        f"{sha256}); the file was discarded"
                    )
                    break  # a wrong file does not get better by asking again
                os.replace(part, dest)
                return dest
            except _Unreachable as e:
                failures.append(f"{url}: {e}")
                break
            except (OSError, http.client.HTTPException) as e:
                why = _describe(e, timeout)
                if attempt == retries:
                    failures.append(f"{url}: {why} ({retries + 1} tries)")
                else:
                    time.sleep(BACKOFF_S * 2**attempt)
            finally:
                part.unlink(missing_ok=True)
    raise DownloadError(f"could not download {dest.name}: " + "; ".join(failures))


class _Unreachable(OSError):
    """The host cannot be reached at all: retrying the same mirror is pointless."""


def _get(url: str, part: Path, timeout: float, progress: bool) -> str:
    try:
        response = urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError as e:
        raise _Unreachable(f"HTTP {e.code} {e.reason}") from e
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(
            reason, (socket.gaierror, ConnectionRefusedError, FileNotFoundError)
        ):
            raise _Unreachable(f"cannot connect ({reason})") from e
        raise reason if isinstance(reason, OSError) else OSError(str(reason)) from e
    digest = hashlib.sha256()
    with response, open(part, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0) or None
        bar = _bar(progress, total, part.name.split(".")[0])
        received = 0
        try:
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
        finally:
            bar.close()
        if total is not None and received != total:
            raise http.client.IncompleteRead(b"", total - received)
    return digest.hexdigest()


def _describe(e: BaseException, timeout: float) -> str:
    if isinstance(e, (TimeoutError, socket.timeout)):
        return f"no answer within timeout={timeout:g} s"
    if isinstance(e, http.client.IncompleteRead):
        return f"connection dropped ({e.expected} bytes missing)"
    return f"{type(e).__name__}: {e}"


class _NoBar:
    """Stands in for a tqdm bar where none is wanted or tqdm is not installed."""

    def update(self, n: int) -> None:
        pass

    def set_postfix(self, *args, **kwargs) -> None:
        pass

    def close(self) -> None:
        pass


def _bar(enabled: bool, total: int | None, desc: str):
    if not enabled:
        return _NoBar()
    try:
        from tqdm.std import tqdm
    except ImportError:  # tqdm comes with the `experiments` extra
        return _NoBar()
    return tqdm(
        total=total, desc=f"downloading {desc}", unit="B", unit_scale=True, leave=False
    )
