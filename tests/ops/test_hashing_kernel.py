"""The string hash kernels equal TensorFlow's (to_hash_bucket_fast and
to_hash_bucket_strong with 2**63 - 25 buckets, recorded with tf 2.21) on
strings of every length class of FarmHash (0-16, 17-32, 33-64, > 64) and
non-ASCII text; argument checks."""
import numpy as np
import pytest

from fastgraph._kernels import load
from fastgraph._kernels.checks import KernelArgumentError

_k = load("hashing")
LENS = [0, 1, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 200]
STRINGS = ["".join(chr(97 + (i * 7 + n) % 26) for i in range(n)) for n in LENS] + [
    "日本語", "naïve café"]
FAST = [1936946117179621480, 2572224033622389039, 8616829697634552324,
        5229200165339728586, 2326968938742419854, 7720167183436786482,
        3632411994760604329, 3820547438670371201, 7101473748566771168,
        550745500815267002, 127699506250089056, 4191899277645623115,
        3525467119873147451, 2544848233693181161, 8179483852271218337,
        558306264808904778, 7808010523399645295, 2174161576895394283,
        3666315064520934872, 6457860189211900000, 1762165697803648435]
STRONG = [6106585448873436222, 1558948629697104154, 8699722825914176534,
          6104453411001309270, 5902925255028456344, 1802181253825111502,
          4920367958334804, 5810635123079675245, 2252034076465863364,
          4445420234458196973, 1623398586409546558, 4187194691063654884,
          6908538087133219451, 4772602697090788401, 8717740465066574370,
          1865950401024709255, 3930486201571928009, 8017533019682172620,
          3699056189335392954, 6284584413274642189, 508619185605654154]
BUCKETS = np.uint64(2 ** 63 - 25)


@pytest.mark.parametrize("dtype", [object, str])
def test_fingerprint64_is_tf_to_hash_bucket_fast(dtype):
    got = _k.fingerprint64(np.array(STRINGS, dtype=dtype)) % BUCKETS
    assert got.tolist() == FAST


@pytest.mark.parametrize("dtype", [object, str])
def test_siphash_is_tf_to_hash_bucket_strong(dtype):
    got = _k.siphash(np.array(STRINGS, dtype=dtype), 7, 2 ** 62 + 3) % BUCKETS
    assert got.tolist() == STRONG


def test_str_arrays_hash_their_utf8_without_padding():
    wide = np.array(["a", "日本語" * 200, "😀", ""], dtype=str)   # one width for all
    assert _k.fingerprint64(wide).tolist() == _k.fingerprint64(
        wide.astype(object)).tolist()


def test_fingerprint_cat64_matches_its_formula():
    a = np.array([0, 1, 2 ** 64 - 1], np.uint64)
    b = np.array([5, 0, 12345], np.uint64)
    mul, m64 = 0xc6a4a7935bd1e995, 2 ** 64 - 1

    def shift_mix(v):
        return v ^ (v >> 47)
    want = []
    for x, y in zip(a.tolist(), b.tolist()):
        r = x ^ mul
        r ^= (shift_mix((y * mul) & m64) * mul) & m64
        r = (r * mul) & m64
        r = (shift_mix(r) * mul) & m64
        want.append(shift_mix(r))
    assert _k.fingerprint_cat64(a, b).tolist() == want


def test_bad_arguments():
    with pytest.raises(KernelArgumentError, match="hashing.fingerprint64: strings must "
                                                  "hold str, got int"):
        _k.fingerprint64(np.array(["a", 3], dtype=object))
    with pytest.raises(KernelArgumentError, match="hashing.siphash: strings must be"):
        _k.siphash(np.array([1, 2]), 1, 2)
    with pytest.raises(KernelArgumentError, match="hashing.fingerprint_cat64: b must"):
        _k.fingerprint_cat64(np.zeros(3, np.uint64), np.zeros(2, np.uint64))
