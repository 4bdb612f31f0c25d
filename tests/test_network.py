"""Network: architecture, initialisation, sign constraints, validation and the file format."""
import io
import json
import os

import numpy as np
import pytest

from erpsim.model.config import Envelope, ModelConfig
from erpsim.model.network import FORMAT_VERSION, Architecture, Network, project_signs

TINY = ModelConfig(n_auto=6, n_hidden=8, n_sem=8)
PDP = TINY.replace(separate_inhibition=False)


def _block_sizes(config):
    arch = Architecture(config)
    return arch, {g: arch.sizes[g] for g in arch.groups}


# -- architecture --------------------------------------------------------------------------
def test_architecture_groups_and_projections():
    arch, sizes = _block_sizes(TINY)
    assert arch.groups == ("O", "A", "H", "S", "OI", "AI", "HI", "SI")
    assert sizes == {"O": 15, "A": 6, "H": 8, "S": 8, "OI": 3, "AI": 1, "HI": 2, "SI": 2}
    assert arch.n_units == sum(sizes.values())
    # groups are contiguous and in order
    stops = [arch.slices[g].stop for g in arch.groups]
    starts = [arch.slices[g].start for g in arch.groups]
    assert starts == [0] + stops[:-1]
    assert np.array_equal(arch.group_index, np.repeat(np.arange(8), list(sizes.values())))
    # existing connections: both directions of the chain plus layer <-> own pool
    chain = 2 * (15 * 6 + 6 * 8 + 8 * 8)
    pools = 2 * (15 * 3 + 6 * 1 + 8 * 2 + 8 * 2)
    assert arch.mask.sum() == chain + pools
    assert (arch.sign[~arch.mask] == 0).all()
    assert (arch.sign[arch.mask] != 0).all()
    # inhibitory units project only within their own layer, and only negatively
    for layer in ("O", "A", "H", "S"):
        inh = arch.slices[layer + "I"]
        targets = np.flatnonzero(arch.mask[:, inh].any(axis=1))
        assert set(targets) == set(arch.units_of(layer))
        assert (arch.sign[arch.slices[layer], inh] == -1).all()
        assert (arch.sign[inh, arch.slices[layer]] == 1).all()
    # no O <-> H, A <-> S, O <-> S and no self-layer excitatory recurrence
    for a, b in [("O", "H"), ("A", "S"), ("O", "S"), ("S", "S"), ("A", "A")]:
        assert not arch.mask[arch.slices[a], arch.slices[b]].any()
        assert not arch.mask[arch.slices[b], arch.slices[a]].any()
    # the block list covers the mask exactly
    covered = np.zeros_like(arch.mask)
    for d0, d1, s0, s1 in arch.blocks:
        assert not covered[d0:d1, s0:s1].any()
        covered[d0:d1, s0:s1] = True
    assert np.array_equal(covered, arch.mask)


def test_units_of_unknown_group_raises():
    with pytest.raises(ValueError, match="unknown unit group 'XI'"):
        Architecture(TINY).units_of("XI")


def test_envelope_mask():
    arch = Architecture(TINY)
    assert not arch.envelope_mask(None).any()
    mask = arch.envelope_mask(Envelope(layers=("S",)))
    assert np.array_equal(np.flatnonzero(mask), arch.units_of("S"))
    mask = arch.envelope_mask(Envelope())
    assert mask.sum() == 6 + 8 + 8 and not mask[arch.slices["SI"]].any()


def test_pdp_ablation_has_no_inhibitory_groups_and_free_signs():
    arch = Architecture(PDP)
    assert arch.groups == ("O", "A", "H", "S")
    assert arch.n_units == 15 + 6 + 8 + 8
    assert (arch.sign == 0).all()
    assert arch.mask.sum() == 2 * (15 * 6 + 6 * 8 + 8 * 8)
    net = Network.initialize(PDP, 3, rng=2)
    for d0, d1, s0, s1 in arch.blocks:
        block = net.W[:, d0:d1, s0:s1]
        assert (block < 0).any() and (block > 0).any()
    before = net.W.copy()
    net.project_signs()
    assert np.array_equal(net.W, before)           # nothing to clip
    W = net.W.copy()
    W[:, arch.mask] = -np.abs(W[:, arch.mask]) - 5  # any sign is allowed
    Network(PDP, W, net.b).validate()


# -- initialisation ------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_initial_weights_obey_sign_constraints(seed):
    net = Network.initialize(TINY, 4, rng=seed)
    arch = net.arch
    assert net.W.shape == (4, arch.n_units, arch.n_units) and net.b.shape == (4, arch.n_units)
    assert (net.W[:, ~arch.mask] == 0).all()
    assert (net.W[:, arch.sign > 0] >= 0).all()
    assert (net.W[:, arch.sign < 0] <= 0).all()
    assert (net.b == TINY.bias_init).all()
    for p in arch.projections:
        block = net.W[:, arch.slices[p.dst], arch.slices[p.src]]
        fan_in = arch.sizes[p.src]
        assert np.abs(block).max() <= 2.0 / fan_in
        assert np.abs(block).max() > 0.5 / fan_in   # drawn, not left at zero
    net.validate()


def test_same_seed_same_weights_different_seeds_differ():
    a = Network.initialize(TINY, 3, rng=7)
    b = Network.initialize(TINY, 3, rng=7)
    c = Network.initialize(TINY, 3, rng=8)
    assert np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)
    assert a.seeds == b.seeds
    assert not np.allclose(a.W, c.W)
    assert a.seeds != c.seeds
    # instances of one network differ from each other
    assert not np.allclose(a.W[0], a.W[1])


def test_generator_and_seed_list():
    a = Network.initialize(TINY, 2, rng=np.random.default_rng(3))
    b = Network.initialize(TINY, 2, rng=np.random.default_rng(3))
    c = Network.initialize(TINY, 2, rng=np.random.default_rng(4))
    assert np.array_equal(a.W, b.W) and not np.allclose(a.W, c.W)
    assert not np.allclose(a.W[0], a.W[1])
    listed = Network.initialize(TINY, 2, rng=[11, 12])
    assert listed.seeds == [11, 12]
    assert np.array_equal(listed.W[1], Network.initialize(TINY, 1, rng=[12]).W[0])
    with pytest.raises(ValueError, match="3 seeds for 2 instances"):
        Network.initialize(TINY, 2, rng=[1, 2, 3])


def test_instance_does_not_depend_on_number_of_instances():
    few = Network.initialize(TINY, 2, rng=5)
    many = Network.initialize(TINY, 5, rng=5)
    assert np.array_equal(few.W, many.W[:2])
    assert few.seeds == many.seeds[:2]


def test_int_seed_scheme_and_its_limit():
    # instance k of int seed s is drawn from default_rng(1000 s + k); more than 1000
    # instances per int seed would collide with the next seed's, so they are refused
    net = Network.initialize(TINY, 2, rng=3)
    assert net.seeds == [3000, 3001]
    np.testing.assert_array_equal(Network.initialize(TINY, 1, rng=[3001]).W[0], net.W[1])
    with pytest.raises(ValueError, match="at most 1000 instances"):
        Network.initialize(TINY, 1001, rng=0)


@pytest.mark.parametrize("n", [0, -1, 1.5, "2"])
def test_bad_instance_count_raises(n):
    with pytest.raises(ValueError, match="n_instances"):
        Network.initialize(TINY, n, rng=0)


# -- sign projection and validation --------------------------------------------------------
def test_project_signs_clips_to_half_lines_and_zeroes_absent():
    arch = Architecture(TINY)
    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, arch.n_units, arch.n_units))
    original = W.copy()
    out = project_signs(W, arch)
    assert out is W
    assert (W[:, ~arch.mask] == 0).all()
    pos, neg = arch.sign > 0, arch.sign < 0
    assert (W[:, pos] >= 0).all() and (W[:, neg] <= 0).all()
    # allowed values untouched, violating ones clipped to exactly zero
    np.testing.assert_array_equal(W[:, pos], np.maximum(original[:, pos], 0))
    np.testing.assert_array_equal(W[:, neg], np.minimum(original[:, neg], 0))
    assert (original[:, pos] < 0).any() and (original[:, neg] > 0).any()
    Network(TINY, W, np.zeros((3, arch.n_units)))  # validates


def test_network_project_signs_in_place():
    net = Network.initialize(TINY, 2, rng=0)
    arch = net.arch
    exc = np.argwhere(arch.sign > 0)[0]
    inh = np.argwhere(arch.sign < 0)[0]
    net.W[1, exc[0], exc[1]] = -0.3
    net.W[0, inh[0], inh[1]] = 0.2
    net.W[0, 0, 0] = 1.0  # O -> O does not exist
    with pytest.raises(ValueError):
        net.validate()
    assert net.project_signs() is net
    assert net.W[1, exc[0], exc[1]] == 0 and net.W[0, inh[0], inh[1]] == 0 and net.W[0, 0, 0] == 0
    net.validate()


def _valid():
    net = Network.initialize(TINY, 2, rng=0)
    return net.W.copy(), net.b.copy()


def test_validate_rejects_excitatory_negative():
    W, b = _valid()
    d, s = np.argwhere(Architecture(TINY).sign > 0)[5]
    W[0, d, s] = -1e-9
    with pytest.raises(ValueError, match="sign constraints"):
        Network(TINY, W, b)


def test_validate_rejects_inhibitory_positive():
    W, b = _valid()
    d, s = np.argwhere(Architecture(TINY).sign < 0)[3]
    W[1, d, s] = 1e-9
    with pytest.raises(ValueError, match="sign constraints"):
        Network(TINY, W, b)


def test_validate_rejects_absent_projection():
    W, b = _valid()
    arch = Architecture(TINY)
    o, s = arch.slices["O"], arch.slices["S"]
    W[0, s.start, o.start] = 0.1  # O -> S does not exist
    with pytest.raises(ValueError, match="no projection"):
        Network(TINY, W, b)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_validate_rejects_non_finite(value):
    W, b = _valid()
    d, s = np.argwhere(Architecture(TINY).sign > 0)[0]
    W[0, d, s] = value
    with pytest.raises(ValueError, match="weights contain NaN or infinite"):
        Network(TINY, W, b)
    W, b = _valid()
    b[1, 3] = value
    with pytest.raises(ValueError, match="biases contain NaN or infinite"):
        Network(TINY, W, b)


def test_validate_rejects_wrong_shapes():
    W, b = _valid()
    n = W.shape[1]
    with pytest.raises(ValueError, match="weights must have shape"):
        Network(TINY, W[:, :-1, :-1], b)
    with pytest.raises(ValueError, match="weights must have shape"):
        Network(PDP, W, b)  # the weights of another architecture
    with pytest.raises(ValueError, match="biases must have shape"):
        Network(TINY, W, b[:, :-1])
    with pytest.raises(ValueError, match="biases must have shape"):
        Network(TINY, W, b[:1])
    with pytest.raises(ValueError, match="weights must have shape"):
        Network(TINY, W[None], b)
    with pytest.raises(ValueError, match="2 seeds for 1 instances"):
        Network(TINY, W[:1], b[:1], seeds=[1, 2])
    with pytest.raises(TypeError, match="ModelConfig"):
        Network(TINY.to_dict(), W, b)
    # a single instance may be given without the instance axis
    assert Network(TINY, W[0], b[0]).W.shape == (1, n, n)


# -- select / with_config / concatenate ----------------------------------------------------
def test_select_with_config_concatenate():
    net = Network.initialize(TINY, 3, rng=1)
    sub = net.select([2, 0])
    assert sub.seeds == [net.seeds[2], net.seeds[0]]
    assert np.array_equal(sub.W, net.W[[2, 0]])
    env = Envelope(theta=0.2)
    alpha = net.with_config(envelope=env)
    assert alpha.config.envelope == env and np.array_equal(alpha.W, net.W)
    with pytest.raises(ValueError, match="different architecture"):
        net.with_config(n_sem=9)
    both = Network.concatenate([net.select(0), net.select([1, 2])])
    assert np.array_equal(both.W, net.W) and both.seeds == net.seeds
    with pytest.raises(ValueError, match="share one configuration"):
        Network.concatenate([net, net.with_config(dt=net.config.dt / 2)])
    with pytest.raises(ValueError, match="no networks"):
        Network.concatenate([])


def test_select_and_concatenate_keep_per_instance_meta():
    net = Network.initialize(TINY, 3, rng=1)
    net.meta.update(accuracy=[0.5, 0.75, 1.0], final_loss=[3.0, 2.0, 1.0], epochs=40)
    sub = net.select([2, 0])
    assert sub.meta["accuracy"] == [1.0, 0.5] and sub.meta["final_loss"] == [1.0, 3.0]
    assert sub.meta["epochs"] == 40 and net.meta["accuracy"] == [0.5, 0.75, 1.0]
    both = Network.concatenate([net.select(0), net.select([1, 2])])
    assert both.meta["accuracy"] == net.meta["accuracy"]
    # without the entry in every part, the stack cannot say which value is whose
    bare = Network.initialize(TINY, 1, rng=2)
    assert "accuracy" not in Network.concatenate([net, bare]).meta


# -- file format ---------------------------------------------------------------------------
@pytest.mark.parametrize("config", [
    TINY,
    PDP,
    TINY.replace(envelope=Envelope(family="biexp", layers=("S",), recovery=3), dt=0.3),
])
def test_save_load_round_trip(tmp_path, config):
    net = Network.initialize(config, 2, rng=4)
    net.b[:] = np.random.default_rng(0).normal(size=net.b.shape)
    net.meta.update(history=[0.5, 0.25], note="ünïcode")
    path = net.save(tmp_path / "sub" / "net.npz")
    assert path.exists()
    back = Network.load(path)
    assert back.config == config
    assert np.array_equal(back.W, net.W) and np.array_equal(back.b, net.b)
    assert back.W.dtype == np.float64
    assert back.seeds == net.seeds
    assert back.meta == net.meta
    # the file is an ordinary npz with a versioned JSON header
    with np.load(path) as data:
        header = json.loads(bytes(data["header"]).decode())
    assert header["format_version"] == FORMAT_VERSION
    assert [f.name for f in tmp_path.joinpath("sub").iterdir()] == ["net.npz"]


def test_save_load_without_seeds(tmp_path):
    net = Network.initialize(TINY, 1, rng=0)
    plain = Network(TINY, net.W, net.b)
    assert Network.load(plain.save(tmp_path / "n.npz")).seeds is None


def _assert_untouched(folder, path, content):
    assert path.read_bytes() == content
    assert sorted(p.name for p in folder.iterdir()) == [path.name]  # no temporary file


def test_failing_save_unserialisable_leaves_file_intact(tmp_path):
    net = Network.initialize(TINY, 1, rng=0)
    path = net.save(tmp_path / "net.npz")
    content = path.read_bytes()
    net.meta["bad"] = object()
    with pytest.raises(TypeError):
        net.save(path)
    _assert_untouched(tmp_path, path, content)


def test_failing_replace_leaves_file_intact(tmp_path, monkeypatch):
    net = Network.initialize(TINY, 1, rng=0)
    path = net.save(tmp_path / "net.npz")
    content = path.read_bytes()
    other = Network.initialize(TINY, 1, rng=99)

    def broken_replace(src, dst):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        other.save(path)
    monkeypatch.undo()
    _assert_untouched(tmp_path, path, content)
    assert np.array_equal(Network.load(path).W, net.W)


@pytest.mark.parametrize("edit, problem", [
    (lambda net: net.W.__setitem__((0, 0, 0), np.nan), "weights contain NaN"),
    (lambda net: net.b.__setitem__((0, 1), np.inf), "biases contain NaN or infinite"),
])
def test_save_refuses_an_invalid_network_and_leaves_the_file_intact(tmp_path, edit, problem):
    net = Network.initialize(TINY, 1, rng=0)
    path = net.save(tmp_path / "net.npz")
    content = path.read_bytes()
    edit(net)                                    # edited in place after construction
    with pytest.raises(ValueError, match=f"not saved to .*net.npz: {problem}"):
        net.save(path)
    _assert_untouched(tmp_path, path, content)


def test_load_names_the_file_whose_weights_are_invalid(tmp_path):
    net = Network.initialize(TINY, 1, rng=0)
    header = {"format_version": FORMAT_VERSION, "config": net.config.to_dict(),
              "seeds": net.seeds, "meta": net.meta}
    W = net.W.copy()
    W[0, 0, 0] = np.nan
    path = tmp_path / "nan_weights.npz"
    np.savez(path, W=W, b=net.b,
             header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    with pytest.raises(ValueError, match="nan_weights.npz: weights contain NaN"):
        Network.load(path)


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no_such.npz"):
        Network.load(tmp_path / "no_such.npz")


def _write_npz(path, **arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())
    return path


def _header(data):
    return np.frombuffer(json.dumps(data).encode(), dtype=np.uint8)


def _non_network_files(tmp_path):
    net = Network.initialize(TINY, 1, rng=0)
    good = {"format_version": FORMAT_VERSION, "config": TINY.to_dict(), "seeds": None, "meta": {}}
    files = {
        "text": tmp_path / "notes.npz",
        "no_header": _write_npz(tmp_path / "arrays.npz", W=net.W, b=net.b),
        "bad_json": _write_npz(tmp_path / "badjson.npz", W=net.W, b=net.b,
                               header=np.frombuffer(b"{not json", dtype=np.uint8)),
        "version": _write_npz(tmp_path / "v99.npz", W=net.W, b=net.b,
                              header=_header(dict(good, format_version=99))),
        "bad_config": _write_npz(tmp_path / "badcfg.npz", W=net.W, b=net.b,
                                 header=_header(dict(good, config=dict(TINY.to_dict(), dt=5)))),
        "wrong_weights": _write_npz(tmp_path / "shape.npz", W=net.W[:, :3], b=net.b,
                                    header=_header(good)),
    }
    files["text"].write_text("this is not a network\n")
    return files


@pytest.mark.parametrize("kind,match", [
    ("text", "not an erpsim network file"),
    ("no_header", "not an erpsim network file"),
    ("bad_json", "not an erpsim network file"),
    ("version", "format version 99"),
    ("bad_config", "dt"),
    ("wrong_weights", "weights must have shape"),
])
def test_load_non_network_file(tmp_path, kind, match):
    path = _non_network_files(tmp_path)[kind]
    with pytest.raises(ValueError, match=match):
        Network.load(path)


@pytest.mark.parametrize("kind", ["npy", "header_without_config", "header_not_object"])
def test_load_other_non_network_files_raise_value_error(tmp_path, kind):
    # currently TypeError / KeyError / AttributeError escape (see the report)
    if kind == "npy":
        path = tmp_path / "array.npy"
        np.save(path, np.zeros(3))
    else:
        net = Network.initialize(TINY, 1, rng=0)
        header = {"format_version": FORMAT_VERSION} if kind == "header_without_config" else [1]
        path = _write_npz(tmp_path / "x.npz", W=net.W, b=net.b, header=_header(header))
    with pytest.raises(ValueError, match="not an erpsim network file"):
        Network.load(path)


def test_saved_file_has_ordinary_permissions(tmp_path):
    # mkstemp creates the temporary file with mode 0600, and os.replace keeps it, so saved
    # networks are unreadable to the group whatever the umask (currently failing; see the
    # report). A saved file should get the mode a plain open() would give it.
    umask = os.umask(0)
    os.umask(umask)
    path = Network.initialize(TINY, 1, rng=0).save(tmp_path / "net.npz")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("rng", [-1, 1.5, "3", [0, -2]])
def test_bad_seeds_are_refused_by_name(rng):
    with pytest.raises(ValueError, match="rng must be|each seed in rng must be"):
        Network.initialize(ModelConfig(), 2, rng=rng)
