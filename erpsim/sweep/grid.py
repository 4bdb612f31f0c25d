"""Declared sweeps: a grid of parameters x seeds, validated, expanded into points.

A grid is a dict (or a JSON / YAML file holding one)::

    {"config":   {"dt": [0.3, 0.5], "n_hidden": [20, 50]},
     "envelope": {"theta": [0.05, 0.1], "peak": [4, 10]},
     "training": {"max_epochs": [500]},
     "seeds":    [0, 1, 2],
     "lexicon":  null,           # a lexicon CSV, or null for the shipped lexicon
     "n_per_type": null,         # draw this many items of each type (null: all)
     "lexicon_seed": 0}          # seed of that draw

- ``config``, ``envelope`` and ``training`` map field names of
  :class:`erpsim.ModelConfig`, :class:`erpsim.Envelope` and
  :class:`erpsim.training.TrainingSettings` to values. A **list** is an axis of the
  grid (one dimension of the results, even with one value); any other value (number,
  string, true/false, null) is **fixed** for every point. So ``"layers": "S"`` fixes the
  envelope to the semantic layer and ``"layers": ["S", "AHS"]`` sweeps two choices
  (a string of layer letters, or a list of them, is one value). A dict is one value
  (``"integration": {"default": "output"}`` fixes it, ``"dt_groups": [{"SI": 0.1},
  {"SI": 0.25}]`` sweeps two, labelled ``"SI=0.1"`` and ``"SI=0.25"``). Likewise
  ``"target_window": [[0, 4]]`` fixes the training's target window and
  ``[[0, 4], [3, 5]]`` sweeps two; ``"semantics"`` takes a ``.npy`` or CSV file (relative
  to the grid file's folder).
- ``envelope`` absent: every point uses :func:`erpsim.default_envelope` (the alpha
  model, analysed beside its control); ``"envelope": null``: no envelope (the ERP
  model only, ``model = "control"``).
- A trained point's configuration starts from :func:`erpsim.training_config` (the
  default protocol since 0.3, as ``erpsim train``) and its training from
  ``TrainingSettings()``. A grid written for erpsim 0.2 trained from the field defaults
  with 5 of 50 active features; it trains those networks again with
  :data:`~erpsim.model.config.PROTOCOL_V0_2` (``"n_blank": 20, "init_net": 0.0,
  "dt_groups": null``) in its ``config`` and ``"n_active": 5`` in its ``training``.
- ``seeds``: a non-empty list of distinct integers, one model instance per seed
  (``Network.initialize(config, 1, rng=[seed])``); always the last grid dimension.
- ``model``: ``"pretrained"`` (the shipped instances) or a network file (``.npz``):
  sweep test-time parameters on instances already trained. Nothing is trained; the
  ``training`` section is refused; ``seeds`` are the file's instance indices; ``config``
  may set only the test-time fields (:data:`TEST_TIME_CONFIG`), over the file's
  configuration; the envelope starts from the file's (the default one if it has none).

Every point is validated when the grid is built (unknown names, empty or duplicated
value lists and values the dataclasses refuse raise ``ValueError`` naming them).
"""
from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from erpsim.model.pretrained import pretrained_path, sha256
from erpsim.model.config import CALIBRATED_PROTOCOL, Envelope, ModelConfig, default_envelope
from erpsim.model.lexicon import load_lexicon
from erpsim.model.network import Network
from erpsim.training import TrainingSettings

#: Version of what a point computes; part of every point's identity.
POINT_VERSION = 1
SECTIONS = ("config", "envelope", "training")
TOP_LEVEL = SECTIONS + ("seeds", "lexicon", "n_per_type", "lexicon_seed", "name", "model")
#: ModelConfig fields that cannot be set from a grid (the envelope has its own section).
_CONFIG_EXCLUDED = ("envelope",)
#: ModelConfig fields that do not change training (single-trial schedule): a model trained
#: once serves every value of them.
_TEST_ONLY_CONFIG = ("protocol", "gap")
#: ModelConfig fields that can change on weights already trained (grids with a ``model``).
TEST_TIME_CONFIG = ("dt", "gain", "clamp", "n_blank", "n_stim", "onset_tick", "init_net",
                    "inh_gain", "protocol", "gap", "dtype", "integration", "dt_groups",
                    "init_output")


def _fields(section):
    cls = {"config": ModelConfig, "envelope": Envelope, "training": TrainingSettings}[section]
    names = [f.name for f in dataclasses.fields(cls)]
    if section == "config":
        names = [n for n in names if n not in _CONFIG_EXCLUDED]
    return names


def canonical_json(obj):
    """Deterministic JSON (sorted keys, tuples as lists) used for hashing."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_json_default)


def _json_default(value):
    if isinstance(value, tuple):
        return list(value)
    if hasattr(value, "item"):          # numpy scalars
        return value.item()
    raise TypeError(f"not JSON-serialisable: {value!r}")


def digest(obj, n=16):
    """First ``n`` hex digits of the SHA-256 of :func:`canonical_json` of ``obj``."""
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()[:n]


def lexicon_digest(lexicon):
    """Identity of a lexicon's content (items, types, frequencies, neighbourhoods)."""
    table = lexicon.table
    return digest({"items": [str(s) for s in table["item"]],
                   "types": [str(s) for s in table["type"]],
                   "zipf": [float(v) for v in table["zipf"]],
                   "neighbours": [int(v) for v in table["neighbours"]]})


def _label(value):
    """Coordinate label of one parameter value (tuples -> "A,H,S", None -> "none", dicts
    such as ``integration`` or ``dt_groups`` -> "HI=0.2,SI=0.1", keys sorted)."""
    if value is None:
        return "none"
    if isinstance(value, dict):
        return ",".join(f"{k}={_label(v)}" for k, v in sorted(value.items()))
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return value


def _axis_labels(values):
    """Labels of one axis: numbers stay numbers, anything mixed becomes strings."""
    labels = [_label(v) for v in values]
    kinds = {bool if isinstance(v, bool) else (float if isinstance(v, (int, float)) else str)
             for v in labels}
    if len(kinds) > 1:
        labels = [str(v) for v in labels]
    elif kinds == {float} and any(isinstance(v, float) for v in labels):
        labels = [float(v) for v in labels]
    return labels


def _normalise_value(section, name, value, base_dir=None):
    """JSON values -> the dataclasses' types (lists of layers or of a target window ->
    tuples; a relative ``semantics`` file -> resolved against ``base_dir``)."""
    if section == "envelope" and name == "layers" and isinstance(value, (list, tuple, str)):
        return tuple(value)             # "AHS" and ["A", "H", "S"] are the same value
    if section == "training" and name == "target_window" and isinstance(value, (list, tuple)):
        return tuple(value)             # a window is one value: [[0, 4]] fixes it
    if section == "training" and name == "semantics" and isinstance(value, str):
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else Path(base_dir or ".") / path)
    return value


@dataclass(frozen=True)
class Axis:
    """One swept parameter: its section, field name, dimension name and values."""

    section: str
    name: str
    dim: str
    values: tuple
    labels: tuple


@dataclass(frozen=True)
class Point:
    """One point of a sweep: every parameter of one model instance and its analyses.

    Attributes
    ----------
    config : dict
        :class:`~erpsim.ModelConfig` fields (without the envelope).
    envelope : dict or None
        :class:`~erpsim.Envelope` fields; None: no envelope (control only).
    training : dict
        :class:`~erpsim.training.TrainingSettings` fields.
    seed : int
        Seed of the instance's initial weights.
    coords : dict
        Dimension name -> coordinate label of this point in the grid (seed included).
    key : str
        Identity: hash of every resolved parameter, the lexicon's content and
        :data:`POINT_VERSION`.
    model_key : str
        Identity of the trained model (points that differ only in test-time parameters,
        such as the envelope when training without it, share a model).
    model_file : str or None
        A file of trained instances to load instead of training (grids with a
        ``model``); ``seed`` is then the instance index in it.
    """

    config: dict
    envelope: dict | None
    training: dict | None
    seed: int
    coords: dict
    key: str
    model_key: str
    model_file: str | None = None

    def model_config(self):
        """The :class:`~erpsim.ModelConfig` of this point (envelope included)."""
        env = None if self.envelope is None else Envelope(**self.envelope)
        return ModelConfig(**self.config, envelope=env)

    def training_settings(self):
        if self.training is None:
            raise ValueError("this point uses a trained model and has no training settings")
        return TrainingSettings(**self.training)

    @property
    def params(self):
        """Every resolved parameter, JSON-serialisable."""
        out = {"config": self.config, "envelope": self.envelope, "training": self.training,
               "seed": self.seed}
        if self.model_file is not None:
            out["model_file"] = self.model_file
        return out


class Grid:
    """A validated sweep declaration.

    Parameters
    ----------
    spec : dict
        See the module docstring.
    base_dir : path or None
        Folder against which a relative ``lexicon`` path (and a training ``semantics``
        file) is resolved (the grid file's folder when read with :func:`load_grid`;
        default the current directory).

    Raises
    ------
    ValueError
        Unknown top-level keys or parameter names, empty or duplicated value lists,
        bad seeds, parameter values the dataclasses refuse (the point is named).
    FileNotFoundError
        A lexicon file that does not exist.
    """

    def __init__(self, spec, base_dir=None):
        if not isinstance(spec, dict):
            raise ValueError(f"a sweep grid must be a dict, got {type(spec).__name__}")
        unknown = [k for k in spec if k not in TOP_LEVEL]
        if unknown:
            raise ValueError(f"unknown grid key(s) {unknown}; expected keys among {list(TOP_LEVEL)}")
        self.spec = json.loads(json.dumps(spec, default=_json_default))   # order kept
        self.name = spec.get("name")
        self.model = _TrainedModel.resolve(spec.get("model"), base_dir)
        self._check_model_sections(spec)
        self._read_sections(spec, base_dir)
        self._read_seeds(spec)
        self._read_lexicon(spec, base_dir)
        self._lexicon = None
        self._points = None
        self.points()           # validates every point now

    def _check_model_sections(self, spec):
        """With a trained ``model``: no training section, only test-time config."""
        if self.model is not None:
            if spec.get("training"):
                raise ValueError("a grid with a trained 'model' trains nothing: remove its "
                                 "'training' section")
            fixed_arch = [k for k in (spec.get("config") or {}) if k not in TEST_TIME_CONFIG]
            if fixed_arch:
                raise ValueError(f"config parameter(s) {fixed_arch} are fixed by the trained "
                                 f"model; with 'model' a grid may set only {list(TEST_TIME_CONFIG)}")

    def _read_sections(self, spec, base_dir=None):
        """The fixed parameters and the swept axes of the config, envelope and training."""
        self.fixed = {s: {} for s in SECTIONS}
        self.axes = []
        self.no_envelope = "envelope" in spec and spec["envelope"] is None
        for section in SECTIONS:
            entries = spec.get(section) or {}
            if not isinstance(entries, dict):
                raise ValueError(f"grid section {section!r} must be a dict of parameter: "
                                 f"value(s), got {type(entries).__name__}")
            allowed = _fields(section)
            bad = [k for k in entries if k not in allowed]
            if bad:
                hint = (" (sweep the envelope in the 'envelope' section)"
                        if section == "config" and "envelope" in bad else "")
                raise ValueError(f"unknown {section} parameter(s) {bad}{hint}; "
                                 f"valid names: {allowed}")
            for name, value in entries.items():
                if isinstance(value, (list, tuple)):
                    if len(value) == 0:
                        raise ValueError(f"grid parameter {section}.{name} has an empty list "
                                         "of values")
                    values = tuple(_normalise_value(section, name, v, base_dir)
                                   for v in value)
                    labels = _axis_labels(values)
                    dup = sorted({str(v) for v in labels if labels.count(v) > 1})
                    if dup:
                        raise ValueError(f"grid parameter {section}.{name} repeats value(s) {dup}")
                    self.axes.append(Axis(section, name, name, values, tuple(labels)))
                else:
                    self.fixed[section][name] = _normalise_value(section, name, value,
                                                                 base_dir)
        if self.no_envelope and spec.get("envelope"):
            raise ValueError("envelope is null but has parameters")
        dims = [a.dim for a in self.axes]
        clash = sorted({d for d in dims if dims.count(d) > 1})
        if clash:    # never with the current dataclasses; kept for safety
            self.axes = [dataclasses.replace(a, dim=f"{a.section}.{a.name}")
                         if a.dim in clash else a for a in self.axes]

    def _read_seeds(self, spec):
        """The seeds: distinct integers >= 0 (instances of the trained ``model``)."""
        seeds = spec.get("seeds", None)
        if not isinstance(seeds, (list, tuple)) or len(seeds) == 0:
            raise ValueError(f"grid 'seeds' must be a non-empty list of integers, got {seeds!r}")
        if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds):
            raise ValueError(f"grid 'seeds' must be integers >= 0, got {list(seeds)}")
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"grid 'seeds' repeats values: {list(seeds)}")
        self.seeds = tuple(int(s) for s in seeds)
        if self.model is not None:
            outside = [s for s in self.seeds if s >= self.model.n_instances]
            if outside:
                raise ValueError(f"grid 'seeds' {outside} are not instances of {self.model.path} "
                                 f"({self.model.n_instances} instances: seeds 0-"
                                 f"{self.model.n_instances - 1})")

    def _read_lexicon(self, spec, base_dir):
        """The lexicon: its size per type, subset seed and file (resolved)."""
        n_per_type = spec.get("n_per_type")
        if n_per_type is not None and (not isinstance(n_per_type, int) or isinstance(n_per_type, bool)
                                       or n_per_type < 1):
            raise ValueError(f"grid 'n_per_type' must be null or a positive integer, got {n_per_type!r}")
        self.n_per_type = n_per_type
        lexicon_seed = spec.get("lexicon_seed", 0)
        if not isinstance(lexicon_seed, int) or isinstance(lexicon_seed, bool):
            raise ValueError(f"grid 'lexicon_seed' must be an integer, got {lexicon_seed!r}")
        self.lexicon_seed = lexicon_seed
        lexicon = spec.get("lexicon")
        if lexicon is not None:
            if not isinstance(lexicon, str):
                raise ValueError(f"grid 'lexicon' must be a CSV path or null, got {lexicon!r}")
            path = Path(lexicon).expanduser()
            if not path.is_absolute():
                path = Path(base_dir or ".") / path
            if not path.exists():
                raise FileNotFoundError(f"grid lexicon file not found: {path}")
            lexicon = str(path.resolve())
        self.lexicon_path = lexicon

    # ------------------------------------------------------------------ properties
    @property
    def dims(self):
        """Grid dimensions in order: the swept parameters, then ``seed``."""
        return tuple(a.dim for a in self.axes) + ("seed",)

    @property
    def coords(self):
        """Dimension name -> tuple of coordinate labels."""
        out = {a.dim: a.labels for a in self.axes}
        out["seed"] = self.seeds
        return out

    @property
    def shape(self):
        return tuple(len(v) for v in self.coords.values())

    def __len__(self):
        return len(self.points())

    def __repr__(self):
        axes = ", ".join(f"{d}={len(v)}" for d, v in self.coords.items())
        return f"Grid({len(self)} points: {axes})"

    def to_dict(self):
        """The declaration (JSON-serialisable, lexicon path resolved)."""
        out = dict(self.spec)
        out["lexicon"] = self.lexicon_path
        if self.model is not None:
            out["model"] = self.model.path
        return out

    # ------------------------------------------------------------------ lexicon
    def load_lexicon(self):
        """The lexicon every point uses (loaded once, then cached)."""
        if self._lexicon is None:
            lexicon = load_lexicon(self.lexicon_path)
            if self.n_per_type is not None:
                lexicon = lexicon.subset(self.n_per_type, rng=self.lexicon_seed)
            self._lexicon = lexicon
        return self._lexicon

    # ------------------------------------------------------------------ points
    def points(self):
        """Every point, in C order over :attr:`dims` (seed fastest)."""
        if self._points is not None:
            return self._points
        lexicon = self.load_lexicon()
        if len(lexicon.trained) == 0 and self.model is None:
            raise ValueError("the grid's lexicon has no trained items (words or acronyms)")
        lex_id = lexicon_digest(lexicon)
        trained_id = lexicon_digest(lexicon.trained)
        points = []
        value_lists = [list(zip(a.values, a.labels)) for a in self.axes]
        for combo in itertools.product(*value_lists):
            sections = {s: dict(self.fixed[s]) for s in SECTIONS}
            coords = {}
            for axis, (value, label) in zip(self.axes, combo):
                sections[axis.section][axis.name] = value
                coords[axis.dim] = label
            where = ", ".join(f"{k}={v!r}" for k, v in coords.items()) or "(no swept parameters)"
            try:
                if self.model is None:      # trained points: what ``erpsim train`` trains
                    base_config, base_envelope = dict(CALIBRATED_PROTOCOL), default_envelope()
                else:
                    base_config = self.model.config_fields()
                    base_envelope = self.model.config.envelope or default_envelope()
                envelope = (None if self.no_envelope
                            else dataclasses.replace(base_envelope, **sections["envelope"]))
                config = ModelConfig(**{**base_config, **sections["config"]}, envelope=envelope)
                settings = None if self.model is not None else TrainingSettings(**sections["training"])
            except (ValueError, TypeError) as err:
                raise ValueError(f"invalid grid point {where}: {err}") from None
            config_d = config.to_dict()
            config_d.pop("envelope")
            env_d = None if envelope is None else config.to_dict()["envelope"]
            train_d = None if settings is None else settings.to_dict()
            model_config = {k: v for k, v in config_d.items() if k not in _TEST_ONLY_CONFIG}
            for seed in self.seeds:
                full = {"version": POINT_VERSION, "config": config_d, "envelope": env_d,
                        "training": train_d, "seed": seed, "lexicon": lex_id}
                if self.model is None:
                    model = {"config": model_config, "training": train_d, "seed": seed,
                             "lexicon": trained_id,
                             "envelope": env_d if settings.with_envelope else None}
                else:
                    model = {"file_sha256": self.model.sha256, "instance": seed}
                    full["model"] = model
                points.append(Point(config=config_d, envelope=env_d, training=train_d,
                                    seed=seed, coords={**coords, "seed": seed},
                                    key=digest(full), model_key=digest(model),
                                    model_file=None if self.model is None else self.model.path))
        keys = [p.key for p in points]
        if len(set(keys)) != len(keys):     # e.g. two labels resolving to one value
            raise ValueError("two grid points resolve to the same parameters; "
                             "check for equivalent values in a list")
        self._points = points
        return points


@dataclass(frozen=True)
class _TrainedModel:
    """The trained instances a grid's ``model`` names: path, content hash, configuration."""

    path: str
    sha256: str
    n_instances: int
    config: ModelConfig

    @classmethod
    def resolve(cls, model, base_dir):
        if model is None:
            return None
        if not isinstance(model, str):
            raise ValueError(f"grid 'model' must be 'pretrained' or a network file, got {model!r}")
        if model == "pretrained":
            path = pretrained_path()
        else:
            path = Path(model).expanduser()
            if not path.is_absolute():
                path = Path(base_dir or ".") / path
            if not path.exists():
                raise FileNotFoundError(f"grid model file not found: {path}")
        network = Network.load(path)
        return cls(str(Path(path).resolve()), sha256(path), network.n_instances, network.config)

    def config_fields(self):
        """The file's ModelConfig fields (without the envelope)."""
        fields = self.config.to_dict()
        fields.pop("envelope")
        return fields


def load_grid(grid):
    """A :class:`Grid` from a Grid, a dict, or a ``.json`` / ``.yaml`` / ``.yml`` file.

    A relative lexicon path in a file is resolved against the file's folder.
    """
    if isinstance(grid, Grid):
        return grid
    if isinstance(grid, dict):
        return Grid(grid)
    path = Path(grid)
    if not path.exists():
        raise FileNotFoundError(f"grid file not found: {path}")
    text = path.read_text()
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml
        try:
            spec = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise ValueError(f"{path} is not valid YAML: {err}") from None
    elif path.suffix.lower() == ".json":
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not valid JSON: {err}") from None
    else:
        raise ValueError(f"grid file {path} must end in .json, .yaml or .yml")
    return Grid(spec, base_dir=path.parent)
