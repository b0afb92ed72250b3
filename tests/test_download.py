"""normlab.data's download against a local HTTP server on 127.0.0.1 (never the network).

The server serves MNIST's real ``.gz`` files from ../shared/data and a CIFAR-10 python
tarball built here from the first rows of the real batches; the tests pass the SHA-256
of what it serves, since the shared ``.gz`` files were recompressed.
"""

import gzip
import hashlib
import http.server
import io
import pickle
import socket
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

from normlab import _download, data

CIFAR_ROWS = 20  # rows kept of each real batch in the served tarball


@pytest.fixture(scope="module")
def served(data_dir, tmp_path_factory):
    """{file name: bytes} the server offers: real MNIST .gz files and a small CIFAR tarball."""
    files = {p.name: p.read_bytes() for p in (data_dir / "mnist").iterdir()}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for f in sorted((data_dir / "cifar-10-batches-py").iterdir()):
            raw = f.read_bytes()
            if f.name != "batches.meta":
                batch = pickle.loads(raw, encoding="bytes")
                small = {
                    b"data": batch[b"data"][:CIFAR_ROWS],
                    b"labels": batch[b"labels"][:CIFAR_ROWS],
                }
                raw = pickle.dumps(small)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{f.name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    files["cifar-10-python.tar.gz"] = buf.getvalue()
    return files


class _Handler(http.server.BaseHTTPRequestHandler):
    """``/good/F`` serves F, ``/corrupt/F`` F with one byte flipped, ``/drop/F`` half of F
    then hangs up; every request is counted in ``server.hits``."""

    def do_GET(self):
        _, mode, fname = self.path.split("/", 2)
        self.server.hits.append(self.path)
        body = self.server.files.get(fname)
        if body is None or mode not in ("good", "corrupt", "drop"):
            self.send_error(404)
            return
        if mode == "corrupt":
            body = bytes([body[0] ^ 1]) + body[1:]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if mode == "drop" else body)
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server(served):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files, httpd.hits = served, []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def checksums(served, monkeypatch):
    """data.SHA256 set to the digests of the served files."""
    sha = {n: hashlib.sha256(b).hexdigest() for n, b in served.items()}
    monkeypatch.setitem(data.SHA256, "mnist", {n: sha[n] for n in data.SHA256["mnist"]})
    monkeypatch.setitem(
        data.SHA256, "cifar10", {"cifar-10-python.tar.gz": sha[data._CIFAR_TARBALL]}
    )
    monkeypatch.setattr(_download, "BACKOFF_S", 0.0)
    monkeypatch.delenv("NORMLAB_DATA_DIR", raising=False)
    monkeypatch.delenv("NORMLAB_DOWNLOAD", raising=False)
    return sha


@pytest.fixture
def closed_port():
    """A 127.0.0.1 URL where nothing listens: connection refused, as offline."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def silent_port():
    """A 127.0.0.1 URL that accepts connections and never answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    yield f"http://127.0.0.1:{s.getsockname()[1]}"
    s.close()


def _left(folder: Path) -> list[str]:
    return (
        sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
        if folder.exists()
        else []
    )


def test_mnist_downloads_and_matches_the_real_files(
    server, checksums, data_dir, tmp_path
):
    _, url = server
    ds = data.load(
        "mnist", data_dir=tmp_path / "d", mirrors=[f"{url}/good/"], cache=False
    )
    ref = data.load("mnist", data_dir=data_dir, cache=False)
    np.testing.assert_array_equal(ds.train_images, ref.train_images)
    np.testing.assert_array_equal(ds.test_labels, ref.test_labels)
    assert _left(tmp_path / "d") == [
        "mnist",
        *(f"mnist/{n}" for n in sorted(data.SHA256["mnist"])),
    ]


def test_cifar_tarball_is_verified_unpacked_and_removed(
    server, checksums, data_dir, tmp_path
):
    _, url = server
    ds = data.load("cifar10", data_dir=tmp_path, mirrors=[f"{url}/good"], cache=False)
    assert ds.train_images.shape == (5 * CIFAR_ROWS, 32, 32, 3)
    ref = data.load("cifar10", data_dir=data_dir, cache=False)
    np.testing.assert_array_equal(ds.test_images, ref.test_images[:CIFAR_ROWS])
    np.testing.assert_array_equal(
        ds.train_labels[CIFAR_ROWS : 2 * CIFAR_ROWS],
        ref.train_labels[10000 : 10000 + CIFAR_ROWS],
    )
    assert [p.name for p in tmp_path.iterdir()] == ["cifar-10-batches-py"]


def test_mirrors_are_tried_in_order(server, checksums, tmp_path):
    httpd, url = server
    folder = data.download(
        "mnist", tmp_path, mirrors=[f"{url}/corrupt/", f"{url}/good/"]
    )
    assert len(list((folder / "mnist").iterdir())) == 4
    assert [h.split("/")[1] for h in httpd.hits] == ["corrupt", "good"] * 4


def test_mirrors_from_the_environment(server, checksums, tmp_path, monkeypatch):
    _, url = server
    monkeypatch.setenv("NORMLAB_MNIST_MIRRORS", f"{url}/nothing/, {url}/good/")
    assert (
        data.load("mnist", data_dir=tmp_path, cache=False).train_images.shape[0]
        == 60000
    )


def test_corrupt_download_names_file_and_url_and_keeps_nothing(
    server, checksums, tmp_path
):
    httpd, url = server
    with pytest.raises(data.DataNotFoundError) as err:
        data.load("mnist", data_dir=tmp_path, mirrors=[f"{url}/corrupt/"], cache=False)
    msg = str(err.value)
    first = httpd.hits[0].split("/")[-1]
    assert f"{url}/corrupt/{first}: sha256 mismatch for {first}" in msg
    assert len(httpd.hits) == 1  # a wrong file is not asked for again
    assert _left(tmp_path) == ["mnist"]


def test_dropped_connection_is_retried_then_reported(server, checksums, tmp_path):
    httpd, url = server
    with pytest.raises(data.DownloadError, match=r"connection dropped .*\(3 tries\)"):
        data.download("cifar10", tmp_path, mirrors=[f"{url}/drop/"], retries=2)
    assert httpd.hits == ["/drop/cifar-10-python.tar.gz"] * 3
    assert _left(tmp_path) == []


def test_server_that_never_answers_times_out(silent_port, checksums, tmp_path):
    with pytest.raises(
        data.DownloadError, match=r"no answer within timeout=0.2 s \(2 tries\)"
    ):
        data.download(
            "cifar10", tmp_path, mirrors=[silent_port], retries=1, timeout=0.2
        )
    assert _left(tmp_path) == []


def test_offline_error_names_the_folder_the_flag_and_the_download(
    closed_port, checksums, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NORMLAB_DATA_DIR", "rel/data")
    with pytest.raises(data.DataNotFoundError) as err:
        data.load("mnist", mirrors=[closed_port])
    msg = str(err.value)
    absolute = str(tmp_path / "rel" / "data")
    assert (
        f"$NORMLAB_DATA_DIR=rel/data (resolved against the current directory: {absolute})"
        in msg
    )
    assert f"{closed_port}/train-images-idx3-ubyte.gz: cannot connect" in msg
    assert "--data-dir" in msg and "set $NORMLAB_DATA_DIR" not in msg  # already set


def test_offline_without_any_folder_suggests_both(closed_port, checksums, monkeypatch):
    with pytest.raises(data.DataNotFoundError) as err:
        data.load("cifar10", mirrors=[closed_port])
    msg = str(err.value)
    assert (
        "--data-dir" in msg
        and "set $NORMLAB_DATA_DIR" in msg
        and "cannot connect" in msg
    )


def test_download_switched_off_by_the_environment(checksums, tmp_path, monkeypatch):
    monkeypatch.setenv("NORMLAB_DOWNLOAD", "0")
    with pytest.raises(
        data.DataNotFoundError, match=r"no download \(\$NORMLAB_DOWNLOAD=0\)"
    ):
        data.load("mnist", data_dir=tmp_path)


def test_interrupted_download_leaves_no_partial_file(
    server, checksums, tmp_path, monkeypatch
):
    _, url = server

    class Interrupt:
        def update(self, n):
            raise KeyboardInterrupt

        def close(self):
            pass

    monkeypatch.setattr(_download, "_bar", lambda *a: Interrupt())
    with pytest.raises(KeyboardInterrupt):
        data.download("cifar10", tmp_path, mirrors=[f"{url}/good/"])
    assert _left(tmp_path) == []


def test_interrupted_cache_write_leaves_no_temporary_file(
    data_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("NORMLAB_CACHE_DIR", str(tmp_path))

    def half_then_interrupt(file, **arrays):
        Path(file).write_bytes(b"PK partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", half_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        data.load("mnist", data_dir=data_dir)
    assert _left(tmp_path) == []


def test_cache_with_wrong_arrays_is_rebuilt(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("NORMLAB_CACHE_DIR", str(tmp_path))
    ref = data.load("mnist", data_dir=data_dir)
    (path,) = tmp_path.glob("mnist-*.npz")
    with np.load(path) as z:
        arrays = dict(z)
    arrays["test_labels"] = (
        arrays["test_labels"] + 1
    ) % 10  # wrong, digests left as they were
    np.savez(path, **arrays)
    again = data.load("mnist", data_dir=data_dir)
    np.testing.assert_array_equal(again.test_labels, ref.test_labels)
    with np.load(path) as z:  # and the cache file is whole again
        np.testing.assert_array_equal(z["test_labels"], ref.test_labels)


def test_gzip_served_files_are_the_canonical_idx_bytes(served):
    """The served MNIST files decompress to the published IDX files (md5s in the data README)."""
    md5 = hashlib.md5(gzip.decompress(served["t10k-labels-idx1-ubyte.gz"])).hexdigest()
    assert md5 == "27ae3e4e09519cfbb04c329615203637"
