"""MNIST and CIFAR-10 as uint8 arrays: from local files, else downloaded and verified.

:func:`load` looks, in this order, for

1. the canonical files in ``data_dir``, or ``$NORMLAB_DATA_DIR`` when set, or
   else the download folder ``$NORMLAB_CACHE_DIR/data`` (default
   ``~/.cache/normlab/data``): MNIST's IDX files, gzipped or not; CIFAR-10's
   "python version" batches, read with numpy alone;
2. a download of the canonical files (``download()``) into that same folder:
   MNIST's four IDX ``.gz`` files and CIFAR-10's python tarball, from the
   mirrors in ``MIRRORS`` (or ``mirrors=``, or ``$NORMLAB_MNIST_MIRRORS`` /
   ``$NORMLAB_CIFAR10_MIRRORS``: URLs separated by spaces or commas), each
   file verified by SHA-256 before it is used; ``download=False`` or
   ``$NORMLAB_DOWNLOAD=0`` turns this off;
3. tensorflow-datasets, only where it is installed together with TensorFlow;

and otherwise raises :class:`DataNotFoundError` saying what it tried.
Decoded arrays are cached as ``.npz`` under ``$NORMLAB_CACHE_DIR`` (default
``~/.cache/normlab``), so a second load takes a fraction of a second; a cache
file whose arrays do not match their recorded (and, for the full datasets,
the known) shapes and SHA-256 digests is rebuilt.

Data credits: MNIST (LeCun, Cortes, Burges; CC BY-SA 3.0); CIFAR-10
(Krizhevsky, Nair, Hinton, 2009).
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import pickle
import re
import shutil
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from normlab._download import DownloadError, fetch

__all__ = [
    "DATASETS",
    "MIRRORS",
    "SHA256",
    "CorruptDataError",
    "DataNotFoundError",
    "Dataset",
    "DownloadError",
    "download",
    "load",
    "paper_scaling",
    "prepare",
    "standardize",
    "train_val_split",
    "zca_whitening",
]

DATASETS = ("mnist", "cifar10")

_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_CIFAR_FOLDER = "cifar-10-batches-py"
_CIFAR_TARBALL = "cifar-10-python.tar.gz"
_CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_TEST = "test_batch"
_TFDS_NAMES = {"mnist": "mnist", "cifar10": "cifar10"}

#: Base URLs tried in order; a file's URL is the base followed by its name.
MIRRORS = {
    "mnist": (
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
    ),
    "cifar10": ("https://www.cs.toronto.edu/~kriz/",),
}
#: SHA-256 of each downloaded file (MNIST: tensorflow-datasets' url_checksums/mnist.txt;
#: CIFAR-10: the python tarball, whose MD5 c58f30108f718f92721af3b95e74349a the CIFAR page
#: publishes).
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": (
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
        ),
        "train-labels-idx1-ubyte.gz": (
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
        ),
    },
    "cifar10": {
        _CIFAR_TARBALL: "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    },
}
# The decoded arrays of the canonical datasets: shape and SHA-256 of their bytes.
_KNOWN_ARRAYS = {
    "mnist": {
        "train_images": (
            (60000, 28, 28, 1),
            "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
        ),
        "train_labels": (
            (60000,),
            "ba2e26c82ab7a46fbcd5ec6de8eee4d541cf3829f5050669177da23b515defeb",
        ),
        "test_images": (
            (10000, 28, 28, 1),
            "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
        ),
        "test_labels": (
            (10000,),
            "52aa149c856ca033d02e1d2e5cc61033b4c56ed4a56f0edc328206a178c42126",
        ),
    },
    "cifar10": {
        "train_images": (
            (50000, 32, 32, 3),
            "47af8b02cfcfb6cdf3dbbd1969ad7f1b70f4413f6f80f437b020ee4e5bc8304a",
        ),
        "train_labels": (
            (50000,),
            "1431253c7e60f5a2b7e2531aeca20b26a5e5951dcc4977b9c457ebfc43aedb75",
        ),
        "test_images": (
            (10000, 32, 32, 3),
            "f9b1e2130bab680db56eb06d886f7f1ad0f1183907ceff4659d1735c890f5b04",
        ),
        "test_labels": (
            (10000,),
            "46759f9470c7bc483fc69c725b42c97033013de7690e19b600cf30381a76b9e5",
        ),
    },
}


class DataNotFoundError(FileNotFoundError):
    """No source could provide the dataset; the message says what was tried."""


class CorruptDataError(ValueError):
    """A dataset file exists but is truncated or not in the expected format."""


@dataclass(frozen=True)
class Dataset:
    """Train and test images (uint8, NHWC) and labels (int32) of one dataset.

    Example:
        >>> import numpy as np
        >>> images = lambda n: np.zeros((n, 2, 2, 1), np.uint8)
        >>> labels = lambda n: np.arange(n, dtype=np.int32)
        >>> ds = Dataset("toy", images(4), labels(4), images(2), labels(2))
        >>> ds.num_classes, ds.image_shape
        (4, (2, 2, 1))
    """

    name: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray

    @property
    def num_classes(self) -> int:
        return int(max(self.train_labels.max(), self.test_labels.max())) + 1

    @property
    def image_shape(self) -> tuple[int, ...]:
        return tuple(self.train_images.shape[1:])


def load(
    name: str,
    *,
    data_dir: str | os.PathLike | None = None,
    cache: bool = True,
    download: bool | None = None,
    mirrors: Sequence[str] | None = None,
    progress: bool | None = None,
) -> Dataset:
    """Load ``"mnist"`` or ``"cifar10"`` as uint8 arrays, downloading them if needed.

    Args:
        name: ``"mnist"`` or ``"cifar10"``.
        data_dir: a folder holding (or to receive) the canonical files (for
            CIFAR-10 the ``cifar-10-batches-py`` folder or its parent; for MNIST
            the IDX files or a ``mnist/`` folder of them). Defaults to
            ``$NORMLAB_DATA_DIR``, else ``$NORMLAB_CACHE_DIR/data``.
        cache: read and write the decoded ``.npz`` cache.
        download: fetch missing files (default: unless ``$NORMLAB_DOWNLOAD`` is ``0``).
        mirrors: base URLs to download from, in order (default: see ``download()``).
        progress: a download progress bar (default: on a terminal, not under ``$CI``).

    Returns:
        A :class:`Dataset`; images are ``(N, H, W, C)`` uint8, labels int32.

    Raises:
        ValueError: an unknown ``name``.
        DataNotFoundError: no folder had the files, the download failed (it
            says why for each URL) and tensorflow-datasets could not provide them.
        CorruptDataError: a file is truncated or malformed (it is named).
    """
    if name not in DATASETS:
        raise ValueError(
            f"unknown dataset name={name!r}; allowed: {', '.join(DATASETS)}"
        )
    folder, src = _folder(data_dir)
    files = _find_files(name, folder)
    if files is not None:
        return _cached(name, files, cache)
    what = "the MNIST IDX files" if name == "mnist" else f"{_CIFAR_FOLDER}/"
    tried = [f"{what} in {src}: not found"]
    why = "download=False"  # the reason a download was not tried, for the message
    if download is None:
        download = os.environ.get("NORMLAB_DOWNLOAD", "1").strip().lower() not in _OFF
        why = f"$NORMLAB_DOWNLOAD={os.environ.get('NORMLAB_DOWNLOAD')}"
    if download:
        try:
            _download_into(name, folder, mirrors=mirrors, progress=progress)
            files = _find_files(name, folder)
            if files is not None:
                return _cached(name, files, cache)
            tried.append(f"the download into {folder} did not leave the expected files")
        except (DownloadError, OSError, tarfile.TarError) as e:
            tried.append(f"download: {e}")
    else:
        tried.append(f"no download ({why})")
    dataset, why = _from_tfds(name)
    if dataset is not None:
        return dataset
    tried.append(why)
    if src.startswith("data_dir"):
        remedy = "put the canonical files in that folder"
    elif src.startswith("$NORMLAB_DATA_DIR"):
        remedy = (
            f"put the canonical files in {folder}, or pass a folder that has them with "
            "--data-dir (Python: data_dir=)"
        )
    else:
        remedy = (
            "put the canonical files in a folder and pass it with --data-dir (Python: "
            "data_dir=) or set $NORMLAB_DATA_DIR to it"
        )
    raise DataNotFoundError(
        f"could not load {name!r}. Tried: " + "; ".join(tried) + f". To fix: {remedy} "
        "(MNIST: train-/t10k- images/labels IDX files, .gz or not; CIFAR-10: the 'python "
        "version' folder cifar-10-batches-py), or allow the download (network access, or "
        f"mirrors= / ${_MIRROR_ENV[name]} pointing at a reachable copy)."
    )


def ensure(name: str, *, data_dir: str | os.PathLike | None = None, **load_kw) -> None:
    """Make sure ``name`` can be loaded: its files are found, else fetched as :func:`load` does.

    Cheap when the canonical files are already in the folder (nothing is
    decoded); otherwise it is :func:`load`, with its download and its errors.
    The command line calls it before it imports JAX, so that a missing dataset
    is reported within a second.

    Raises:
        ValueError, DataNotFoundError, CorruptDataError: as :func:`load`.

    Example:
        >>> ensure("svhn")
        Traceback (most recent call last):
        ...
        ValueError: unknown dataset name='svhn'; allowed: mnist, cifar10
    """
    if name not in DATASETS:
        raise ValueError(
            f"unknown dataset name={name!r}; allowed: {', '.join(DATASETS)}"
        )
    if _find_files(name, _folder(data_dir)[0]) is None:
        load(name, data_dir=data_dir, **load_kw)


_OFF = ("0", "false", "no", "off")
_MIRROR_ENV = {"mnist": "NORMLAB_MNIST_MIRRORS", "cifar10": "NORMLAB_CIFAR10_MIRRORS"}


def download(
    name: str,
    folder: str | os.PathLike | None = None,
    *,
    mirrors: Sequence[str] | None = None,
    sha256: dict[str, str] | None = None,
    retries: int = 2,
    timeout: float = 30.0,
    progress: bool | None = None,
) -> Path:
    """Download the canonical files of ``name`` into ``folder`` and return it.

    MNIST's four ``.gz`` files land in ``folder/mnist/``; CIFAR-10's python
    tarball is verified, unpacked into ``folder/cifar-10-batches-py/`` and
    deleted. Every file is checked against ``sha256`` (default :data:`SHA256`)
    before it is kept, and written atomically: an interrupted download or
    unpacking leaves no partial file behind.

    Args:
        name: ``"mnist"`` or ``"cifar10"``.
        folder: target folder (default ``$NORMLAB_DATA_DIR``, else
            ``$NORMLAB_CACHE_DIR/data``, i.e. ``~/.cache/normlab/data``).
        mirrors: base URLs tried in order (default ``$NORMLAB_MNIST_MIRRORS`` /
            ``$NORMLAB_CIFAR10_MIRRORS``, else ``MIRRORS``).
        sha256: ``{file name: hex digest}`` of the files to fetch.
        retries: further tries of a mirror after a dropped connection or a timeout.
        timeout: seconds a connect or a read may wait.
        progress: a progress bar (default: on a terminal, not under ``$CI``).

    Raises:
        DownloadError: no mirror delivered a file with the right checksum
            (each URL and why is in the message).
    """
    if name not in DATASETS:
        raise ValueError(
            f"unknown dataset name={name!r}; allowed: {', '.join(DATASETS)}"
        )
    target = _folder(folder)[0]
    _download_into(
        name,
        target,
        mirrors=mirrors,
        sha256=sha256,
        retries=retries,
        timeout=timeout,
        progress=progress,
    )
    return target


def _mirrors(name: str, mirrors: Sequence[str] | None) -> list[str]:
    if mirrors is None:
        env = os.environ.get(_MIRROR_ENV[name], "").strip()
        mirrors = re.split(r"[\s,]+", env) if env else MIRRORS[name]
    if isinstance(mirrors, str):
        raise TypeError(
            f"mirrors={mirrors!r} must be a sequence of base URLs, not one string"
        )
    out = [m if m.endswith("/") else m + "/" for m in mirrors if m]
    if not out:
        raise ValueError(f"mirrors={list(mirrors)!r}: need at least one base URL")
    return out


def _download_into(name, folder: Path, *, mirrors=None, sha256=None, **kw) -> None:
    bases = _mirrors(name, mirrors)
    checksums = SHA256[name] if sha256 is None else sha256
    if name == "mnist":
        for fname, digest in checksums.items():
            dest = folder / "mnist" / fname
            if not dest.is_file():
                fetch([b + fname for b in bases], dest, digest, **kw)
        return
    tarball = fetch(
        [b + _CIFAR_TARBALL for b in bases],
        folder / _CIFAR_TARBALL,
        checksums[_CIFAR_TARBALL],
        **kw,
    )
    tmp = folder / f"{_CIFAR_FOLDER}.{os.getpid()}.tmp"
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            members = [m for m in tar.getmembers() if m.isfile()]
            for m in members:
                if (
                    Path(m.name).parts[:1] != (_CIFAR_FOLDER,)
                    or ".." in Path(m.name).parts
                ):
                    raise tarfile.TarError(f"{tarball}: unexpected member {m.name!r}")
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(tmp, members=members, **safe)
        final = folder / _CIFAR_FOLDER
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp / _CIFAR_FOLDER, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tarball.unlink()


def _folder(data_dir) -> tuple[Path, str]:
    """The folder to search and download into, and how to name it in messages."""
    if data_dir is not None:
        raw, src = data_dir, "data_dir"
    elif os.environ.get("NORMLAB_DATA_DIR"):
        raw, src = os.environ["NORMLAB_DATA_DIR"], "$NORMLAB_DATA_DIR"
    else:
        path = (_cache_dir() / "data").absolute()
        return (
            path,
            f"the download folder {path} (no data_dir, $NORMLAB_DATA_DIR not set)",
        )
    path = Path(raw).expanduser()
    if path.is_absolute():
        return path, f"{src}={path}"
    absolute = path.absolute()
    return (
        absolute,
        f"{src}={raw!s} (resolved against the current directory: {absolute})",
    )


def standardize(
    images: np.ndarray,
    mean: np.ndarray | float | None = None,
    std: np.ndarray | float | None = None,
) -> np.ndarray:
    r"""Scale uint8 images to [0, 1], then subtract ``mean`` and divide by ``std``.

    .. math:: x' = (x / 255 - \mu) / \sigma

    ``mean`` and ``std`` default to the per-channel statistics of ``images``
    (compute them on the training set and pass them for the test set).

    Example:
        >>> x = np.array([[[[0], [255]]]], np.uint8)
        >>> standardize(x).ravel().tolist()
        [-1.0, 1.0]
    """
    x = images.astype(np.float32) / 255.0
    axes = tuple(range(x.ndim - 1))
    mean = x.mean(axis=axes, dtype=np.float64) if mean is None else mean
    std = x.std(axis=axes, dtype=np.float64) if std is None else std
    return ((x - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)).astype(
        np.float32
    )


def paper_scaling(images: np.ndarray) -> np.ndarray:
    r"""The weight-normalization paper's CIFAR-10 input scaling, ``(x - 127.5) / 128``.

    .. math:: x' = (x - 127.5) / 128 \in [-0.996, 0.996]

    Example:
        >>> paper_scaling(np.array([0, 255], np.uint8)).tolist()
        [-0.99609375, 0.99609375]
    """
    return ((images.astype(np.float32) - 127.5) / 128.0).astype(np.float32)


def zca_whitening(
    train: np.ndarray, *others: np.ndarray, epsilon: float = 1e-5
) -> tuple[np.ndarray, ...]:
    r"""ZCA-whiten ``train`` and ``others`` with the transform fitted on ``train``.

    Each example is flattened; with the training mean :math:`\mu` and
    covariance :math:`\Sigma = U \operatorname{diag}(s) U^\top`,

    .. math:: x' = U \operatorname{diag}\big((s + \epsilon)^{-1/2}\big) U^\top (x - \mu)

    which decorrelates the pixels while staying as close as possible to the
    input (the weight-normalization paper's CIFAR-10 preprocessing, applied
    after :func:`paper_scaling`; ``epsilon`` is its code's regularisation
    1e-5). The covariance and its eigendecomposition are computed in float32
    (a 3072 x 3072 matrix for CIFAR-10), results are float32 in the input's
    shape.

    Returns:
        ``(train', *others')``.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=(500, 3)) @ np.array([[1, 0, 0], [2, 1, 0], [0, 3, 1]])
        >>> (w,) = zca_whitening(x, epsilon=0.0)
        >>> np.allclose(np.cov(w.T, bias=True), np.eye(3), atol=1e-4)
        True
    """
    flat = train.reshape(len(train), -1).astype(np.float32)
    mean = flat.mean(0, dtype=np.float64).astype(np.float32)
    centred = flat - mean
    cov = centred.T @ centred / len(flat)
    s, u = np.linalg.eigh(cov)
    transform = (u * (1.0 / np.sqrt(np.maximum(s, 0.0) + epsilon))) @ u.T
    out = []
    for x in (train, *others):
        z = (x.reshape(len(x), -1).astype(np.float32) - mean) @ transform
        out.append(z.astype(np.float32).reshape(x.shape))
    return tuple(out)


def train_val_split(
    images: np.ndarray, labels: np.ndarray, num_val: int, *, seed: int | None = None
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Hold out ``num_val`` examples: the last ones, or a random subset when ``seed`` is given.

    Example:
        >>> (xt, yt), (xv, yv) = train_val_split(np.arange(10), np.arange(10), 3)
        >>> yv.tolist()
        [7, 8, 9]
    """
    n = len(labels)
    if not 0 < num_val < n:
        raise ValueError(f"num_val={num_val} must be in (0, {n}) for {n} examples")
    order = np.arange(n) if seed is None else np.random.default_rng(seed).permutation(n)
    train, val = order[: n - num_val], order[n - num_val :]
    return (images[train], labels[train]), (images[val], labels[val])


def prepare(
    name: str,
    *,
    num_train: int | None = None,
    num_val: int = 0,
    num_test: int | None = None,
    data_dir: str | os.PathLike | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Load ``name`` and standardize it with the training set's per-channel statistics.

    Args:
        name: ``"mnist"`` or ``"cifar10"``.
        num_train: keep the first ``num_train`` training examples (a small profile).
        num_val: hold out the last ``num_val`` of the (kept) training examples.
        num_test: keep the first ``num_test`` test examples.
        data_dir: passed to :func:`load`.

    Returns:
        ``{"train": (x, y), "test": (x, y)}`` and ``"val"`` when ``num_val > 0``;
        ``x`` is float32 NHWC, ``y`` int32.
    """
    for arg, value in (
        ("num_train", num_train),
        ("num_test", num_test),
        ("num_val", num_val),
    ):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int)
        ):
            raise TypeError(f"{arg}={value!r} must be an int or None")
    if num_train is not None and num_train < 1:
        raise ValueError(f"num_train={num_train} must be >= 1 (or None for all)")
    if num_test is not None and num_test < 1:
        raise ValueError(f"num_test={num_test} must be >= 1 (or None for all)")
    if num_val < 0:
        raise ValueError(f"num_val={num_val} must be >= 0")
    ds = load(name, data_dir=data_dir)
    for arg, value, have in (
        ("num_train", num_train, len(ds.train_labels)),
        ("num_test", num_test, len(ds.test_labels)),
    ):
        if value is not None and value > have:
            raise ValueError(f"{arg}={value} exceeds the {have} examples {name!r} has")
    x, y = ds.train_images[:num_train], ds.train_labels[:num_train]
    if num_val and num_val >= len(y):
        raise ValueError(
            f"num_val={num_val} must be < the {len(y)} kept training examples"
        )
    out = {}
    if num_val:
        (x, y), (xv, yv) = train_val_split(x, y, num_val)
    axes = tuple(range(x.ndim - 1))
    scaled = x.astype(np.float32) / 255.0
    mean = scaled.mean(axis=axes, dtype=np.float64)
    std = scaled.std(axis=axes, dtype=np.float64)
    out["train"] = (standardize(x, mean, std), y)
    if num_val:
        out["val"] = (standardize(xv, mean, std), yv)
    out["test"] = (
        standardize(ds.test_images[:num_test], mean, std),
        ds.test_labels[:num_test],
    )
    return out


# --- canonical files -------------------------------------------------------------------------


def _find_files(name: str, folder: Path) -> dict[str, Path] | None:
    if name == "mnist":
        for base in (folder, folder / "mnist", folder / "MNIST" / "raw"):
            found = {}
            for key, stem in _MNIST_FILES.items():
                for candidate in (
                    base / stem,
                    base / f"{stem}.gz",
                    base / stem.replace("-idx", ".idx"),
                ):
                    if candidate.is_file():
                        found[key] = candidate
                        break
            if len(found) == len(_MNIST_FILES):
                return found
        return None
    for base in (folder, folder / _CIFAR_FOLDER):
        names = (*_CIFAR_TRAIN, _CIFAR_TEST)
        if all((base / f).is_file() for f in names):
            return {f: base / f for f in names}
    return None


def _cached(name: str, files: dict[str, Path], cache: bool) -> Dataset:
    stamp = hashlib.sha256()
    for key in sorted(files):
        st = files[key].stat()
        stamp.update(
            f"{key}:{files[key].resolve()}:{st.st_size}:{st.st_mtime_ns}".encode()
        )
    path = _cache_dir() / f"{name}-{stamp.hexdigest()[:16]}.npz"
    if cache and path.is_file():
        arrays = _read_cache(name, path)
        if arrays is not None:
            return Dataset(name, *arrays)
        path.unlink(missing_ok=True)  # half-written or not what it claims: decode again
    arrays = _read_mnist(files) if name == "mnist" else _read_cifar(files)
    if cache:
        _write_cache(path, arrays)
    return Dataset(name, *arrays)


def _digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def _read_cache(name: str, path: Path) -> tuple[np.ndarray, ...] | None:
    """The cached arrays if each has the digest recorded with it and, where it has the full
    dataset's shape, the full dataset's digest; else None."""
    try:
        with np.load(path) as z:
            arrays = tuple(z[k] for k in _MNIST_FILES)
            recorded = tuple(str(z[f"sha256_{k}"]) for k in _MNIST_FILES)
    except (OSError, ValueError, KeyError, EOFError):
        return None
    for key, a, want in zip(_MNIST_FILES, arrays, recorded):
        shape, known = _KNOWN_ARRAYS[name][key]
        dtype = np.uint8 if key.endswith("images") else np.int32
        if a.dtype != dtype or a.ndim != len(shape) or a.shape[1:] != shape[1:]:
            return None
        digest = _digest(a)
        if digest != want or (a.shape == shape and digest != known):
            return None
    return arrays


def _write_cache(path: Path, arrays: tuple[np.ndarray, ...]) -> None:
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        digests = {
            f"sha256_{k}": np.asarray(_digest(a)) for k, a in zip(_MNIST_FILES, arrays)
        }
        np.savez(tmp, **dict(zip(_MNIST_FILES, arrays)), **digests)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home: loading still works, only slower next time
    finally:
        tmp.unlink(missing_ok=True)  # also on KeyboardInterrupt


def _cache_dir() -> Path:
    return Path(
        os.environ.get("NORMLAB_CACHE_DIR", Path.home() / ".cache" / "normlab")
    ).expanduser()


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise CorruptDataError(f"cannot read {path}: {e}") from e


def _read_idx(path: Path, ndim: int) -> np.ndarray:
    """IDX format: magic 0x0000 0x08 ndim, ndim big-endian int32 sizes, then uint8 data."""
    raw = _read_bytes(path)
    header = 4 + 4 * ndim
    if len(raw) < header or raw[:3] != b"\x00\x00\x08" or raw[3] != ndim:
        raise CorruptDataError(f"{path} is not a {ndim}-d uint8 IDX file (bad header)")
    shape = tuple(int(s) for s in np.frombuffer(raw, ">i4", ndim, 4))
    size = int(np.prod(shape))
    if len(raw) != header + size:
        raise CorruptDataError(
            f"{path} is truncated or padded: header says shape {shape} ({size} bytes), "
            f"file has {len(raw) - header} data bytes"
        )
    return np.frombuffer(raw, np.uint8, size, header).reshape(shape)


def _read_mnist(files: dict[str, Path]) -> tuple[np.ndarray, ...]:
    out = []
    for split in ("train", "test"):
        images = _read_idx(files[f"{split}_images"], 3)[..., None]
        labels = _read_idx(files[f"{split}_labels"], 1).astype(np.int32)
        if len(images) != len(labels):
            raise CorruptDataError(
                f"{files[f'{split}_images']} has {len(images)} images but "
                f"{files[f'{split}_labels']} has {len(labels)} labels"
            )
        out += [images, labels]
    return tuple(out)


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as f:
            batch = pickle.load(f, encoding="bytes")
        data = np.asarray(batch[b"data"], np.uint8)
        labels = np.asarray(batch[b"labels"], np.int32)
    except (
        OSError,
        EOFError,
        pickle.UnpicklingError,
        KeyError,
        TypeError,
        ValueError,
    ) as e:
        raise CorruptDataError(f"{path} is not a CIFAR-10 python batch: {e!r}") from e
    if data.ndim != 2 or data.shape[1] != 3072 or len(data) != len(labels):
        raise CorruptDataError(
            f"{path}: expected data [N, 3072] and N labels, got {data.shape}"
        )
    # channel-major rows (1024 red, 1024 green, 1024 blue) -> NHWC
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def _read_cifar(files: dict[str, Path]) -> tuple[np.ndarray, ...]:
    parts = [_read_cifar_batch(files[f]) for f in _CIFAR_TRAIN]
    test_x, test_y = _read_cifar_batch(files[_CIFAR_TEST])
    train_x = np.ascontiguousarray(np.concatenate([p[0] for p in parts]))
    train_y = np.concatenate([p[1] for p in parts])
    return train_x, train_y, np.ascontiguousarray(test_x), test_y


# --- tensorflow-datasets ---------------------------------------------------------------------


def _from_tfds(name: str) -> tuple[Dataset | None, str]:
    """tensorflow-datasets as a source, only where TensorFlow is installed too: without it
    tfds can neither download nor prepare, and importing it only prints warnings."""
    if importlib.util.find_spec("tensorflow_datasets") is None:
        return None, "tensorflow-datasets is not installed"
    if importlib.util.find_spec("tensorflow") is None:
        return None, "tensorflow-datasets is not used without TensorFlow"
    import tensorflow_datasets as tfds

    arrays = []
    try:
        for split in ("train", "test"):
            ds = tfds.load(
                _TFDS_NAMES[name], split=split, as_supervised=True, batch_size=10_000
            )
            xs, ys = zip(*tfds.as_numpy(ds))
            arrays += [
                np.concatenate(xs).astype(np.uint8),
                np.concatenate(ys).astype(np.int32),
            ]
    except (
        Exception
    ) as e:  # tfds raises many types offline; the caller reports it as tried
        return None, f"tensorflow-datasets failed ({type(e).__name__}: {str(e)[:200]})"
    return Dataset(name, *arrays), ""
