"""The network of the ERP model: its architecture, weights, sign constraints and file format.

Units are numbered in one vector: the excitatory layers O, A, H, S, then their
inhibitory pools OI, AI, HI, SI (absent in the PDP ablation). ``W[i, dst, src]`` is the
weight from unit ``src`` to unit ``dst`` in model instance ``i``; absent projections are
held at exactly zero by ``Architecture.mask``.
"""
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from erpsim.utils.atomic import atomic_write_bytes
from erpsim.model.config import LAYERS, ModelConfig, training_config

FORMAT_VERSION = 1
CHAIN = (("O", "A"), ("A", "H"), ("H", "S"))


@dataclass(frozen=True)
class Projection:
    """One block of weights: every unit of group ``src`` to every unit of group ``dst``."""

    src: str
    dst: str
    sign: int  # +1: weights >= 0; -1: weights <= 0; 0: free sign


class Architecture:
    """Unit groups, projections and constraints derived from a :class:`ModelConfig`."""

    def __init__(self, config):
        self.config = config
        sizes = dict(config.excitatory_sizes)
        for layer in LAYERS:
            pool = config.pool_size(sizes[layer])
            if pool:
                sizes[layer + "I"] = pool
        self.groups = tuple(sizes)
        self.sizes = sizes
        offsets = np.cumsum([0] + [sizes[g] for g in self.groups])
        self.slices = {g: slice(int(offsets[k]), int(offsets[k + 1]))
                       for k, g in enumerate(self.groups)}
        self.n_units = int(offsets[-1])
        self.group_index = np.concatenate(
            [np.full(sizes[g], k, dtype=np.int64) for k, g in enumerate(self.groups)])
        self.projections = self._projections()
        self.mask = np.zeros((self.n_units, self.n_units), dtype=bool)
        self.sign = np.zeros((self.n_units, self.n_units), dtype=np.int8)
        for p in self.projections:
            self.mask[self.slices[p.dst], self.slices[p.src]] = True
            self.sign[self.slices[p.dst], self.slices[p.src]] = p.sign
        self.blocks = np.array([[self.slices[p.dst].start, self.slices[p.dst].stop,
                                 self.slices[p.src].start, self.slices[p.src].stop]
                                for p in self.projections], dtype=np.int64)

    def _projections(self):
        constrained = self.config.separate_inhibition
        exc = 1 if constrained else 0
        out = []
        for lower, upper in CHAIN:
            out.append(Projection(lower, upper, exc))
            out.append(Projection(upper, lower, exc))
        if constrained:
            for layer in LAYERS:
                out.append(Projection(layer, layer + "I", 1))
                out.append(Projection(layer + "I", layer, -1))
        return tuple(out)

    def weight_gain(self, inh_gain):
        """(n_units, n_units) multipliers: ``inh_gain`` on inhibitory weights, 1 elsewhere."""
        return np.where(self.sign < 0, inh_gain, 1.0)

    def units_of(self, group):
        """Indices of the units of one group (e.g. ``"S"`` or ``"SI"``)."""
        if group not in self.slices:
            raise ValueError(f"unknown unit group {group!r}; this network has {self.groups}")
        s = self.slices[group]
        return np.arange(s.start, s.stop)

    @property
    def input_slice(self):
        return self.slices["O"]

    @property
    def semantic_slice(self):
        return self.slices["S"]

    def envelope_mask(self, envelope):
        """Boolean (n_units,) mask of the units that carry ``envelope`` (none if None)."""
        mask = np.zeros(self.n_units, dtype=bool)
        if envelope is not None:
            for layer in envelope.layers:
                mask[self.slices[layer]] = True
        return mask

    def init_weights(self, rng):
        """Draw one instance's weights and biases (docs/model.md §4: initial weights must be small).

        Excitatory projections: uniform on [0, 2/fan-in] where fan-in is the size of the
        source group; inhibitory: uniform on [-2/pool size, 0]; free-sign (PDP ablation):
        uniform on [-2/fan-in, 2/fan-in]. Biases: ``config.bias_init``.
        """
        W = np.zeros((self.n_units, self.n_units))
        for p in self.projections:
            fan_in = self.sizes[p.src]
            shape = (self.sizes[p.dst], fan_in)
            if p.sign > 0:
                block = rng.uniform(0.0, 2.0 / fan_in, shape)
            elif p.sign < 0:
                block = rng.uniform(-2.0 / fan_in, 0.0, shape)
            else:
                block = rng.uniform(-2.0 / fan_in, 2.0 / fan_in, shape)
            W[self.slices[p.dst], self.slices[p.src]] = block
        b = np.full(self.n_units, self.config.bias_init)
        return W, b


#: Meta entries that hold one value per instance (written by ``erpsim.train``).
PER_INSTANCE_META = ("accuracy", "final_loss")


class Network:
    """A stack of model instances sharing one configuration.

    Parameters
    ----------
    config : ModelConfig
    W : ndarray, shape (n_instances, n_units, n_units)
        ``W[i, dst, src]``.
    b : ndarray, shape (n_instances, n_units)
        Biases.
    seeds : sequence of int or None
        The seed each instance was initialised from (provenance only).
    meta : dict
        Free-form JSON-serialisable provenance (training history, checksums, ...).
    """

    def __init__(self, config, W, b, seeds=None, meta=None):
        if not isinstance(config, ModelConfig):
            raise TypeError(f"config must be a ModelConfig, got {type(config).__name__}")
        self.config = config
        self.arch = Architecture(config)
        W = np.asarray(W, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        if W.ndim == 2:
            W = W[None]
        if b.ndim == 1:
            b = b[None]
        self.W, self.b = W, b
        self.seeds = None if seeds is None else [None if s is None else int(s) for s in seeds]
        self.meta = dict(meta or {})
        self.validate()

    @classmethod
    def initialize(cls, config=None, n_instances=1, rng=None):
        """New instances with weights drawn from ``rng``.

        ``rng`` is an int seed, a sequence of one seed per instance, or a Generator.
        With an int seed ``s`` instance ``k`` is drawn from ``default_rng(1000 * s + k)``
        (so at most 1000 instances per int seed; pass a list of seeds for more).
        """
        config = training_config() if config is None else config
        arch = Architecture(config)
        if not isinstance(n_instances, (int, np.integer)) or n_instances < 1:
            raise ValueError(f"n_instances must be a positive integer, got {n_instances!r}")
        if isinstance(rng, (list, tuple, np.ndarray)):
            if len(rng) != n_instances:
                raise ValueError(f"got {len(rng)} seeds for {n_instances} instances")
            seeds = [_seed(s, "each seed in rng") for s in rng]
            gens = [np.random.default_rng(s) for s in seeds]
        elif isinstance(rng, np.random.Generator):
            seeds = [None] * n_instances
            gens = [rng] * n_instances
        else:
            base = 0 if rng is None else _seed(rng, "rng")
            if n_instances > 1000:
                raise ValueError("an int seed gives at most 1000 instances (instance k of seed s "
                                 "uses seed 1000 s + k); pass one seed per instance instead")
            seeds = [base * 1000 + k for k in range(n_instances)]
            gens = [np.random.default_rng(s) for s in seeds]
        pairs = [arch.init_weights(g) for g in gens]
        return cls(config, np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs]),
                   seeds=seeds)

    @property
    def n_instances(self):
        return self.W.shape[0]

    @property
    def n_units(self):
        return self.arch.n_units

    def validate(self):
        """Check shapes, finiteness, absent projections and sign constraints."""
        n = self.arch.n_units
        if self.W.ndim != 3 or self.W.shape[1:] != (n, n):
            raise ValueError(f"weights must have shape (n_instances, {n}, {n}) for this "
                             f"configuration, got {self.W.shape}")
        if self.b.shape != (self.W.shape[0], n):
            raise ValueError(f"biases must have shape ({self.W.shape[0]}, {n}), got {self.b.shape}")
        if not np.all(np.isfinite(self.W)):
            raise ValueError("weights contain NaN or infinite values")
        if not np.all(np.isfinite(self.b)):
            raise ValueError("biases contain NaN or infinite values")
        if np.any(self.W[:, ~self.arch.mask] != 0):
            raise ValueError("weights are non-zero where the architecture has no projection")
        sign = self.arch.sign
        if np.any(self.W[:, sign > 0] < 0) or np.any(self.W[:, sign < 0] > 0):
            raise ValueError("weights violate the sign constraints (excitatory >= 0, inhibitory <= 0)")
        if self.seeds is not None and len(self.seeds) != self.W.shape[0]:
            raise ValueError(f"{len(self.seeds)} seeds for {self.W.shape[0]} instances")

    def effective_weights(self):
        """The weights the dynamics use: inhibitory weights times ``config.inh_gain``.

        Returns
        -------
        ndarray (n_instances, n_units, n_units)
            ``W`` itself when the gain is 1, else a scaled copy.
        """
        if self.config.inh_gain == 1.0:
            return self.W
        return self.W * self.arch.weight_gain(self.config.inh_gain)

    def project_signs(self):
        """Clip every weight to its allowed half-line and zero absent projections (in place)."""
        project_signs(self.W, self.arch)
        return self

    def select(self, instances):
        """A new Network holding only the given instance indices (with their own
        per-instance meta entries, :data:`PER_INSTANCE_META`)."""
        idx = np.atleast_1d(np.asarray(instances, dtype=int))
        seeds = None if self.seeds is None else [self.seeds[i] for i in idx]
        meta = dict(self.meta)
        for key in PER_INSTANCE_META:
            value = meta.get(key)
            if isinstance(value, list) and len(value) == self.n_instances:
                meta[key] = [value[i] for i in idx]
        return Network(self.config, self.W[idx].copy(), self.b[idx].copy(), seeds, meta)

    def with_config(self, **changes):
        """The same weights under a changed configuration (e.g. an envelope or timing).

        Changes that alter the architecture (sizes, pools) are refused.
        """
        config = self.config.replace(**changes)
        if Architecture(config).n_units != self.n_units:
            raise ValueError("the changed configuration has a different architecture; "
                             "weights cannot be reused")
        return Network(config, self.W, self.b, self.seeds, self.meta)

    @staticmethod
    def concatenate(networks):
        """Stack the instances of several networks with the same configuration."""
        networks = list(networks)
        if not networks:
            raise ValueError("no networks to concatenate")
        config = networks[0].config
        if any(n.config != config for n in networks):
            raise ValueError("networks to concatenate must share one configuration")
        seeds = None if any(n.seeds is None for n in networks) else sum((n.seeds for n in networks), [])
        meta = dict(networks[0].meta)
        for key in PER_INSTANCE_META:
            values = [n.meta.get(key) for n in networks]
            if all(isinstance(v, list) and len(v) == n.n_instances
                   for v, n in zip(values, networks)):
                meta[key] = sum(values, [])
            else:
                meta.pop(key, None)
        return Network(config, np.concatenate([n.W for n in networks]),
                       np.concatenate([n.b for n in networks]), seeds, meta)

    def __repr__(self):
        return (f"Network({self.n_instances} instance(s), groups "
                f"{dict((g, self.arch.sizes[g]) for g in self.arch.groups)})")

    # -- file format -------------------------------------------------------------------
    def save(self, path):
        """Save to ``path`` (``.npz``): arrays ``W``, ``b`` and a JSON header.

        The header holds ``format_version``, the configuration, seeds and meta. The file
        is written to a temporary file in the same folder and moved into place, so an
        existing file is never left half-written. A network that fails :meth:`validate`
        (weights edited in place to NaN, or against their signs) is refused before
        anything is written.
        """
        path = Path(path)
        try:
            self.validate()
        except ValueError as err:
            raise ValueError(f"not saved to {path}: {err}") from None
        header = {"format_version": FORMAT_VERSION, "config": self.config.to_dict(),
                  "seeds": self.seeds, "meta": self.meta}
        buffer = io.BytesIO()
        np.savez_compressed(buffer, W=self.W, b=self.b,
                            header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
        atomic_write_bytes(path, buffer.getvalue())
        return path

    @classmethod
    def load(cls, path):
        """Load a network saved by :meth:`save`."""
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"network file not found: {path}")
        try:
            loaded = np.load(path, allow_pickle=False)
            if not isinstance(loaded, np.lib.npyio.NpzFile):
                raise ValueError("not an .npz archive")
            with loaded as data:
                header = json.loads(bytes(data["header"]).decode())
                W, b = data["W"], data["b"]
            if not isinstance(header, dict) or "config" not in header:
                raise ValueError("the header holds no configuration")
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, UnicodeDecodeError) as err:
            raise ValueError(f"{path} is not an erpsim network file: {err}") from err
        if header.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{path}: unsupported network format version "
                             f"{header.get('format_version')!r}")
        try:
            return cls(ModelConfig.from_dict(header["config"]), W, b,
                       header.get("seeds"), header.get("meta"))
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from None


def _seed(value, name):
    """A seed: a non-negative integer (NumPy's seeds cannot be negative)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer seed or a "
                         f"numpy.random.Generator, got {value!r}")
    return int(value)


def project_signs(W, arch):
    """Clip ``W`` (..., n, n) in place to the architecture's sign constraints and mask."""
    W[..., ~arch.mask] = 0.0
    pos, neg = arch.sign > 0, arch.sign < 0
    W[..., pos] = np.maximum(W[..., pos], 0.0)
    W[..., neg] = np.minimum(W[..., neg], 0.0)
    return W
