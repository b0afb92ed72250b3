"""normlab.data on the real files, on corrupt files, and through mocked tensorflow-datasets."""

import gzip
import shutil

import numpy as np
import pytest

from normlab import data


def test_mnist_real_files(data_dir):
    ds = data.load("mnist", data_dir=data_dir)
    assert (
        ds.train_images.shape == (60000, 28, 28, 1)
        and ds.train_images.dtype == np.uint8
    )
    assert ds.test_images.shape == (10000, 28, 28, 1)
    assert ds.train_labels.dtype == np.int32 and ds.num_classes == 10
    x = ds.train_images / 255.0
    # known statistics from ../shared/data/README.md
    assert abs(x.mean() - 0.13066048) < 1e-7
    assert abs(x.std() - 0.3081078) < 1e-6
    assert np.bincount(ds.test_labels).sum() == 10000


def test_cifar10_real_files(data_dir):
    ds = data.load("cifar10", data_dir=data_dir)
    assert ds.train_images.shape == (50000, 32, 32, 3)
    assert ds.test_images.shape == (10000, 32, 32, 3)
    assert np.all(np.bincount(ds.train_labels) == 5000)
    assert np.all(np.bincount(ds.test_labels) == 1000)
    x = ds.train_images / 255.0
    np.testing.assert_allclose(
        x.mean((0, 1, 2)), [0.49139968, 0.48215841, 0.44653091], atol=1e-7
    )
    np.testing.assert_allclose(
        x.std((0, 1, 2)), [0.24703223, 0.24348513, 0.26158784], atol=1e-6
    )


def test_second_load_comes_from_the_cache(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("NORMLAB_CACHE_DIR", str(tmp_path))
    first = data.load("mnist", data_dir=data_dir)
    assert len(list(tmp_path.glob("mnist-*.npz"))) == 1

    def no_decoding(*_):
        raise AssertionError("decoded the IDX files again instead of using the cache")

    monkeypatch.setattr(data, "_read_mnist", no_decoding)
    second = data.load("mnist", data_dir=data_dir)
    np.testing.assert_array_equal(first.train_images, second.train_images)
    np.testing.assert_array_equal(first.test_labels, second.test_labels)


def _copy_mnist(src, dst):
    dst.mkdir()
    for f in (src / "mnist").iterdir():
        shutil.copy(f, dst / f.name)
    return dst


def test_truncated_idx_file_is_named(data_dir, tmp_path):
    folder = _copy_mnist(data_dir, tmp_path / "m")
    bad = folder / "t10k-labels-idx1-ubyte.gz"
    raw = gzip.decompress(bad.read_bytes())
    bad.write_bytes(gzip.compress(raw[:-10]))
    with pytest.raises(
        data.CorruptDataError, match="t10k-labels-idx1-ubyte.gz.*truncated"
    ):
        data.load("mnist", data_dir=folder, cache=False)


def test_garbage_gzip_is_named(data_dir, tmp_path):
    folder = _copy_mnist(data_dir, tmp_path / "m")
    (folder / "train-images-idx3-ubyte.gz").write_bytes(b"not a gzip file at all")
    with pytest.raises(data.CorruptDataError, match="train-images-idx3-ubyte.gz"):
        data.load("mnist", data_dir=folder, cache=False)


def test_uncompressed_idx_files_load(tmp_path):
    def idx(arr):
        header = bytes([0, 0, 8, arr.ndim]) + np.asarray(arr.shape, ">i4").tobytes()
        return header + arr.astype(np.uint8).tobytes()

    rng = np.random.default_rng(0)
    imgs, labels = rng.integers(0, 256, (7, 28, 28)), rng.integers(0, 10, 7)
    for stem in ("train", "t10k"):
        (tmp_path / f"{stem}-images-idx3-ubyte").write_bytes(idx(imgs))
        (tmp_path / f"{stem}-labels-idx1-ubyte").write_bytes(idx(labels))
    ds = data.load("mnist", data_dir=tmp_path, cache=False)
    np.testing.assert_array_equal(ds.train_images[..., 0], imgs)
    np.testing.assert_array_equal(ds.test_labels, labels)


def test_truncated_cifar_batch_is_named(data_dir, tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for f in (data_dir / "cifar-10-batches-py").iterdir():
        (folder / f.name).symlink_to(f)
    (folder / "data_batch_3").unlink()
    (folder / "data_batch_3").write_bytes(
        (data_dir / "cifar-10-batches-py" / "data_batch_3").read_bytes()[:5000]
    )
    with pytest.raises(data.CorruptDataError, match="data_batch_3"):
        data.load("cifar10", data_dir=tmp_path, cache=False)


def test_missing_folder_says_what_was_tried(tmp_path):
    with pytest.raises(data.DataNotFoundError) as err:
        data.load("mnist", data_dir=tmp_path / "nowhere", download=False)
    msg = str(err.value)
    assert f"data_dir={tmp_path / 'nowhere'}: not found" in msg
    assert (
        "no download (download=False)" in msg
        and "put the canonical files in that folder" in msg
    )


def test_tfds_without_tensorflow_is_not_tried_and_prints_nothing(tmp_path, capfd):
    with pytest.raises(
        data.DataNotFoundError, match="not used without TensorFlow|not installed"
    ):
        data.load("cifar10", data_dir=tmp_path, download=False)
    assert capfd.readouterr().err == ""


def test_unknown_dataset_is_rejected():
    with pytest.raises(ValueError, match="name='svhn'.*mnist, cifar10"):
        data.load("svhn")


@pytest.mark.parametrize(
    "name,shape", [("mnist", (28, 28, 1)), ("cifar10", (32, 32, 3))]
)
def test_tfds_path_with_mock_data(name, shape, monkeypatch):
    pytest.importorskip("tensorflow")  # tfds is a source only together with TensorFlow
    tfds = pytest.importorskip("tensorflow_datasets")
    monkeypatch.delenv("NORMLAB_DATA_DIR", raising=False)
    with tfds.testing.mock_data(num_examples=6):
        ds = data.load(name, download=False)
    assert ds.train_images.shape == (6, *shape) and ds.train_images.dtype == np.uint8
    assert ds.test_labels.shape == (6,) and ds.test_labels.dtype == np.int32


def test_prepare_standardizes_with_training_statistics(data_dir):
    arrays = data.prepare(
        "mnist", num_train=5000, num_val=1000, num_test=500, data_dir=data_dir
    )
    x, y = arrays["train"]
    assert x.shape == (4000, 28, 28, 1) and x.dtype == np.float32 and len(y) == 4000
    assert abs(x.mean()) < 1e-5 and abs(x.std() - 1) < 1e-5
    assert arrays["val"][0].shape[0] == 1000 and arrays["test"][0].shape[0] == 500
