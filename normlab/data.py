"""MNIST and CIFAR-10 as uint8 arrays, from the canonical files or tensorflow-datasets.

:func:`load` looks, in this order, for

1. the canonical files in ``data_dir`` or ``$NORMLAB_DATA_DIR`` (MNIST's IDX
   files, gzipped or not; CIFAR-10's "python version" batches), read with
   numpy alone;
2. tensorflow-datasets (``pip install "normlab[tfds]"``), which downloads on
   first use, as in Colab;

and otherwise raises :class:`DataNotFoundError` saying what it looked for.
Decoded arrays are cached as ``.npz`` under ``$NORMLAB_CACHE_DIR`` (default
``~/.cache/normlab``), so a second load takes a fraction of a second.

Data credits: MNIST (LeCun, Cortes, Burges; CC BY-SA 3.0); CIFAR-10
(Krizhevsky, Nair, Hinton, 2009).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "DATASETS",
    "DataNotFoundError",
    "Dataset",
    "CorruptDataError",
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
_CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_TEST = "test_batch"
_TFDS_NAMES = {"mnist": "mnist", "cifar10": "cifar10"}


class DataNotFoundError(FileNotFoundError):
    """No source could provide the dataset; the message says what was tried."""


class CorruptDataError(ValueError):
    """A dataset file exists but is truncated or not in the expected format."""


@dataclass(frozen=True)
class Dataset:
    """Train and test images (uint8, NHWC) and labels (int32) of one dataset.

    Example:
        >>> import numpy as np
        >>> ds = Dataset("toy", np.zeros((4, 2, 2, 1), np.uint8), np.arange(4, dtype=np.int32),
        ...              np.zeros((2, 2, 2, 1), np.uint8), np.arange(2, dtype=np.int32))
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


def load(name: str, *, data_dir: str | os.PathLike | None = None, cache: bool = True) -> Dataset:
    """Load ``"mnist"`` or ``"cifar10"`` as uint8 arrays.

    Args:
        name: ``"mnist"`` or ``"cifar10"``.
        data_dir: a folder holding the canonical files (for CIFAR-10 the
            ``cifar-10-batches-py`` folder or its parent; for MNIST the IDX
            files or a ``mnist/`` folder of them). Defaults to
            ``$NORMLAB_DATA_DIR``.
        cache: read and write the decoded ``.npz`` cache.

    Returns:
        A :class:`Dataset`; images are ``(N, H, W, C)`` uint8, labels int32.

    Raises:
        ValueError: an unknown ``name``.
        DataNotFoundError: no folder had the files and tensorflow-datasets
            could not provide them.
        CorruptDataError: a file is truncated or malformed (it is named).
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset name={name!r}; allowed: {', '.join(DATASETS)}")
    tried = []
    folder = data_dir if data_dir is not None else os.environ.get("NORMLAB_DATA_DIR")
    if folder is not None:
        files = _find_files(name, Path(folder).expanduser())
        if files is not None:
            return _cached(name, files, cache)
        what = "the MNIST IDX files" if name == "mnist" else f"{_CIFAR_FOLDER}/"
        src = "data_dir" if data_dir is not None else "$NORMLAB_DATA_DIR"
        tried.append(f"{what} in {src}={folder!s}: not found")
    else:
        tried.append("no data_dir argument and $NORMLAB_DATA_DIR is not set")
    dataset, why = _from_tfds(name)
    if dataset is not None:
        return dataset
    tried.append(why)
    raise DataNotFoundError(
        f"could not load {name!r}. Tried: " + "; ".join(tried) + ". Provide it either way: "
        "(1) put the canonical files in a folder and pass data_dir= or set NORMLAB_DATA_DIR "
        "(MNIST: train-/t10k- images/labels IDX files, .gz or not; CIFAR-10: the "
        "'python version' folder cifar-10-batches-py), or (2) pip install 'normlab[tfds]' "
        "with TensorFlow and network access, and tensorflow-datasets downloads it."
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
    return ((x - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)).astype(np.float32)


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
    ds = load(name, data_dir=data_dir)
    x, y = ds.train_images[:num_train], ds.train_labels[:num_train]
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
    out["test"] = (standardize(ds.test_images[:num_test], mean, std), ds.test_labels[:num_test])
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
        stamp.update(f"{key}:{files[key].resolve()}:{st.st_size}:{st.st_mtime_ns}".encode())
    path = _cache_dir() / f"{name}-{stamp.hexdigest()[:16]}.npz"
    if cache and path.is_file():
        try:
            with np.load(path) as z:
                return Dataset(name, *(z[k] for k in _MNIST_FILES))
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)  # a half-written cache file: decode again
    arrays = _read_mnist(files) if name == "mnist" else _read_cifar(files)
    if cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(tmp, **dict(zip(_MNIST_FILES, arrays)))
            tmp.replace(path)
        except OSError:
            pass  # a read-only home: loading still works, only slower next time
    return Dataset(name, *arrays)


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
    except (OSError, EOFError, pickle.UnpicklingError, KeyError, TypeError, ValueError) as e:
        raise CorruptDataError(f"{path} is not a CIFAR-10 python batch: {e!r}") from e
    if data.ndim != 2 or data.shape[1] != 3072 or len(data) != len(labels):
        raise CorruptDataError(f"{path}: expected data [N, 3072] and N labels, got {data.shape}")
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
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        return None, "tensorflow-datasets is not installed"
    tfds_name = _TFDS_NAMES[name]
    try:
        import tensorflow  # noqa: F401  (tfds.load needs it)
    except ImportError:
        # Without TensorFlow tfds reads prepared data but cannot download or prepare it.
        try:
            return _from_tfds_source(name, tfds), ""
        except Exception as e:  # tfds raises KeyError, AssertionError, ... when not prepared
            return None, (
                f"tensorflow-datasets has no prepared {tfds_name!r} ({type(e).__name__}: "
                f"{str(e)[:120]}) and cannot download it without TensorFlow"
            )
    arrays = []
    for split in ("train", "test"):
        ds = tfds.load(tfds_name, split=split, as_supervised=True, batch_size=10_000)
        xs, ys = zip(*tfds.as_numpy(ds))
        arrays += [np.concatenate(xs).astype(np.uint8), np.concatenate(ys).astype(np.int32)]
    return Dataset(name, *arrays), ""


def _from_tfds_source(name: str, tfds) -> Dataset:
    """Read through ``tfds.data_source`` (array_record; no TensorFlow needed)."""
    arrays = []
    for split in ("train", "test"):
        source = tfds.data_source(_TFDS_NAMES[name], split=split, download=False)
        records = [source[i] for i in range(len(source))]  # batch __getitems__ is unreliable
        arrays.append(np.stack([np.asarray(r["image"], np.uint8) for r in records]))
        arrays.append(np.asarray([r["label"] for r in records], np.int32))
    return Dataset(name, *arrays)
