"""``erpsim encode`` and ``analyses/mitchell.py`` end to end, on tiny data."""
import json
import runpy
from pathlib import Path

import numpy as np

from erpsim.cli import main
from erpsim.encoding import (NOUN_CATEGORIES, NOUNS, make_synthetic, save_participant,
                             verb_features)

ROOT = Path(__file__).resolve().parents[1]


def test_encode_synthetic(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["encode", "--n-voxels", "200", "--n-informative", "60", "--noise", "1",
                 "--n-select", "30", "--permutations", "5", "--out", str(out)])
    assert code == 0
    assert "synthetic: accuracy" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    (res,) = summary["datasets"]
    assert res["data"] == "synthetic" and res["n_folds"] == 1770
    assert res["accuracy"] > 0.8 and res["n_permutations"] == 5
    for name in res["files"].values():
        assert (out / name).stat().st_size > 0
    null = np.loadtxt(out / res["files"]["null"], delimiter=",", skiprows=1)
    assert null.shape == (5, 2)
    assert (out / "synthetic.png").read_bytes()[:4] == b"\x89PNG"


def test_encode_real_file_format(tmp_path, capsys):
    words = NOUNS[::5]                                   # 12 nouns, one per category
    cats = NOUN_CATEGORIES[::5]
    part = make_synthetic(verb_features(words), words=words, categories=cats,
                          n_voxels=40, n_informative=20, noise=0.5, rng=3)
    save_participant(tmp_path / "data-science-P7.mat", part)
    out = tmp_path / "res"
    script = ROOT / "analyses" / "mitchell.py"
    ns = runpy.run_path(str(script))
    code = ns["main"](["--data", str(tmp_path / "data-science-P7.mat"), "--no-synthetic",
                       "--n-select", "10", "--permutations", "0", "--out", str(out)])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    (res,) = summary["datasets"]
    assert res["name"] == "data-science-P7" and res["n_folds"] == 66
    assert summary["mean_accuracy_real"] == res["accuracy"] > 0.8
    assert "data-science-P7: accuracy" in capsys.readouterr().out


def test_encode_errors(tmp_path, capsys):
    assert main(["encode", "--data", str(tmp_path / "nope.mat"), "--out",
                 str(tmp_path)]) == 1
    assert "not found" in capsys.readouterr().err
    assert main(["encode", "--n-voxels", "50", "--n-select", "60", "--permutations", "0",
                 "--out", str(tmp_path)]) == 1
    assert "--n-select 60 exceeds the synthetic data's 50 voxels" in capsys.readouterr().err


def _participant_file(tmp_path, words, nan=False):
    cats = list(NOUN_CATEGORIES[::5])[:len(words)]
    part = make_synthetic(np.eye(len(words), 4) + 0.1, words=words, categories=cats,
                          n_voxels=12, n_informative=6, noise=0.5, rng=3)
    if nan:
        part.presentations[2, 1, 5] = np.nan
    path = tmp_path / "data-science-P9.mat"
    save_participant(path, part)
    return path


def test_encode_refuses_words_outside_the_60_nouns(tmp_path, capsys):
    words = list(NOUNS[::5])
    words[3] = "apple"                                    # a real word, in GloVe
    path = _participant_file(tmp_path, words)
    assert main(["encode", "--data", str(path), "--no-synthetic", "--permutations", "0",
                 "--n-select", "5", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("erpsim encode: error: data-science-P9.mat: word(s) 'apple' are "
                          "not among the 60 nouns")
    assert not (tmp_path / "o").exists()


def test_encode_nan_error_names_the_flag(tmp_path, capsys):
    path = _participant_file(tmp_path, list(NOUNS[::5]), nan=True)
    argv = ["encode", "--data", str(path), "--no-synthetic", "--permutations", "0",
            "--n-select", "5", "--out", str(tmp_path / "o")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "NaN" in err and "--drop-nonfinite" in err
    assert main(argv + ["--drop-nonfinite"]) == 0


def test_encode_usage_errors_and_blocked_output(tmp_path, capsys):
    import pytest
    with pytest.raises(SystemExit) as exit_:
        main(["encode", "--permutations", "-1"])
    assert exit_.value.code == 2
    assert "argument --permutations: must be an integer >= 0, got '-1'" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert main(["encode", "--out", str(tmp_path / "file" / "o")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("erpsim encode: error: --out ") and "not a folder" in err


def test_mitchell_script_errors_are_one_line(tmp_path, capsys):
    ns = runpy.run_path(str(ROOT / "analyses" / "mitchell.py"))
    assert ns["main"](["--data", str(tmp_path / "nope.mat"), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mitchell.py: error: participant file not found")
    assert len(err.strip().splitlines()) == 1
