"""The model's configuration: one validated, serialisable object holding every parameter.

Defaults follow the specification (docs/model.md); values marked *calibrated* in
``docs/model.md`` were chosen by the calibration scripts and are documented there.
"""
import dataclasses
import functools
import json
import math
import numbers
from dataclasses import dataclass

import numpy as np

from erpsim.model.coding import get_coding
from erpsim.utils.check import _check_option, _validate_type

LAYERS = ("O", "A", "H", "S")
#: Every unit group a network can have: the excitatory layers, then their inhibitory pools.
GROUPS = LAYERS + tuple(layer + "I" for layer in LAYERS)
#: How a group integrates over ticks: its net input (``"input"``) or its output
#: (``"output"``, Lens ``OUT_INTEGR``); docs/model.md §3.
INTEGRATIONS = ("input", "output")
#: The key of a per-group dict that gives the value of the groups it does not name.
DEFAULT_KEY = "default"
ENVELOPE_FAMILIES = ("alpha", "biexp")
CLAMPS = ("soft", "hard")
PROTOCOLS = ("reset", "gap")
DTYPES = ("float64", "float32")


def _check(condition, message):
    if not condition:
        raise ValueError(message)


def _integer(name, value, low):
    """Validate an integer field (Python or NumPy integer, not bool) and return it as int."""
    _check(isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= low,
           f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _finite_number(name, value, low=-math.inf, high=math.inf, low_open=False):
    _check(isinstance(value, (int, float)) and not isinstance(value, bool)
           and math.isfinite(value), f"{name} must be a finite number, got {value!r}")
    ok = (value > low if low_open else value >= low) and value <= high
    _check(ok, f"{name}={value!r} is outside its range "
               f"{'(' if low_open else '['}{low}, {high}]")


class GroupValues(dict):
    """A read-only ``{group: value}`` dict: a frozen configuration's per-group field.

    Mutating it raises ``TypeError`` (the configuration, its JSON and its hash would
    otherwise disagree with the dynamics); make a new configuration with
    :meth:`ModelConfig.replace` instead.
    """

    def _refuse(self, *args, **kwargs):
        raise TypeError("a ModelConfig's per-group values are read-only; use "
                        "config.replace(field={...}) for other values")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _refuse

    def __reduce__(self):
        return (GroupValues, (dict(self),))

    def __hash__(self):
        return hash(tuple(sorted(self.items())))


def _per_group(name, value, check_value, allow_default, convert=None):
    """Validate a per-group field: one value for all groups or a dict ``{group: value}``.

    Returns the value, or a new plain dict with the group names checked against
    :data:`GROUPS` (and ``"default"`` where ``allow_default``) and every value checked by
    ``check_value(field_name, value)``; values pass through ``convert`` if given.
    """
    convert = convert or (lambda v: v)
    if not isinstance(value, dict):
        check_value(name, value)
        return convert(value)
    keys = GROUPS + ((DEFAULT_KEY,) if allow_default else ())
    out = {}
    for group, item in value.items():
        _check_option(f"{name} group", group, keys)
        check_value(f"{name}[{group!r}]", item)
        out[group] = convert(item)
    return GroupValues(out)


def _integration_mode(name, value):
    _check_option(name, value, INTEGRATIONS)


def _dt_value(name, value):
    _validate_type(value, "numeric", name)
    _finite_number(name, float(value), 0.0, 1.0, low_open=True)


def _init_output_value(name, value):
    _validate_type(value, "numeric", name)
    _finite_number(name, float(value), 0.0, 1.0, low_open=True)
    _check(value < 1.0, f"{name}={value!r} is outside its range (0, 1)")


@dataclass(frozen=True)
class Envelope:
    """The alpha envelope on excitatory units (docs/model.md §5).

    While a unit's clock runs its output is ``min(s_t, E(clock))``, ``s_t`` being its
    uncapped output: σ(net_t) under input integration, and under output integration
    (``ModelConfig.integration``) the integrated output ``(1 - dt) y_{t-1} + dt σ(net_t)``
    (the cap applies to the integrated output). The clock starts when ``s_t`` crosses θ
    from below.

    Parameters
    ----------
    family : {"alpha", "biexp"}
        ``"alpha"``: E(t) = θ + (1-θ)(t/T)exp(1-t/T), peak at t = T.
        ``"biexp"``: E(t) = θ + (1-θ)(exp(-t/τd) - exp(-t/τr)) / max, peak 1.
    theta : float
        Threshold θ (activation units, 0-1) whose upward crossing by the uncapped
        output starts a unit's clock.
    peak : float
        T, the alpha function's peak time in ticks (``"alpha"`` only).
    tau_rise, tau_decay : float
        τr < τd in ticks (``"biexp"`` only).
    layers : tuple of str
        Excitatory layers that carry the envelope (subset of A, H, S).
    clock_start : int
        Clock value t at the tick of the crossing (0: the cap at that tick is E(0) = θ).
    recovery : int or None
        Stop a unit's clock after it has stayed below θ for this many ticks; None never.
    """

    family: str = "alpha"
    theta: float = 0.1
    peak: float = 10.0
    tau_rise: float = 1.0
    tau_decay: float = 30.0
    layers: tuple = ("A", "H", "S")
    clock_start: int = 0
    recovery: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "layers", tuple(self.layers))
        _check(self.family in ENVELOPE_FAMILIES,
               f"unknown envelope family {self.family!r}; choose from {ENVELOPE_FAMILIES}")
        _finite_number("envelope theta", self.theta, 0.0, 1.0, low_open=True)
        _check(self.theta < 1.0, "envelope theta must be below 1")
        _finite_number("envelope peak T", self.peak, 0.0, low_open=True)
        _finite_number("envelope tau_rise", self.tau_rise, 0.0, low_open=True)
        _finite_number("envelope tau_decay", self.tau_decay, 0.0, low_open=True)
        if self.family == "biexp":
            _check(self.tau_rise < self.tau_decay,
                   f"envelope needs tau_rise < tau_decay, got {self.tau_rise} >= {self.tau_decay}")
        _check(len(self.layers) > 0 and all(l in LAYERS[1:] for l in self.layers),
               f"envelope layers must be a non-empty subset of A, H, S, got {self.layers}")
        object.__setattr__(self, "clock_start", _integer("envelope clock_start", self.clock_start, 0))
        if self.recovery is not None:
            object.__setattr__(self, "recovery", _integer("envelope recovery", self.recovery, 1))

    def __call__(self, t):
        """Envelope value at clock time ``t`` (ticks, array-like >= 0)."""
        t = np.asarray(t, dtype=float)
        if self.family == "alpha":
            shape = (t / self.peak) * np.exp(1.0 - t / self.peak)
        else:
            def diff(s):
                return np.exp(-s / self.tau_decay) - np.exp(-s / self.tau_rise)
            ratio = self.tau_decay / self.tau_rise
            s_peak = self.tau_decay * self.tau_rise / (self.tau_decay - self.tau_rise) * math.log(ratio)
            shape = diff(t) / diff(s_peak)
        return self.theta + (1.0 - self.theta) * shape

    def table(self, n):
        """E(0), ..., E(n-1) as a float64 array (the kernels index it by clock value)."""
        return np.asarray(self(np.arange(n)), dtype=np.float64)


@dataclass(frozen=True)
class ModelConfig:
    """Every parameter of the ERP model and of a simulated trial.

    Parameters
    ----------
    n_auto, n_hidden, n_sem : int
        Excitatory units in the orthographic autoencoder (A), hidden (H) and semantic (S)
        layers. The visual input layer's size comes from the letter coding.
    coding : str
        Letter coding name (see :func:`erpsim.model.coding.get_coding`); ``"binary"`` is the
        specification's 5 bits x 3 slots (docs/model.md §2).
    n_slots : int
        Letters per string.
    inh_fraction : float
        Inhibitory pool size as a fraction of each layer's excitatory units (rounded).
    separate_inhibition : bool
        False gives the "standard PDP" ablation: no inhibitory pools, free-sign weights.
    dt : float
        Integration constant of the net input (0 < dt <= 1).
    gain : float
        Soft-clamp input gain: ext = gain * (2x - 1) on the visual input units.
    clamp : {"soft", "hard"}
        Hard clamp sets the visual input outputs to the letter bits during the stimulus.
    n_blank, n_stim : int
        Blank ticks before stimulus onset and stimulus ticks of one trial.
    onset_tick : int
        Label of the first stimulus tick (20 in the published figure).
    init_net : float
        Net input of every unit at the start of a trial (0 gives outputs of 0.5).
    inh_gain : float
        Multiplies every inhibitory (pool -> layer) weight in the dynamics, in simulation
        and training alike: the inhibition strength, a calibration knob that trained
        weights can be run under (1 leaves them as they are).
    n_targets : int
        Training targets apply over the last ``n_targets`` stimulus ticks.
    bias_init : float
        Initial bias of every unit.
    envelope : Envelope or None
        The alpha envelope; None is the ERP model (the control).
    protocol : {"reset", "gap"}
        Between the two presentations of a repetition pair: reset activations to the
        initial state, or carry them over through ``gap`` blank ticks.
    gap : int
        Blank ticks between presentations under ``protocol="gap"``.
    dtype : {"float64", "float32"}
        Floating-point type of the simulation.
    integration : {"input", "output"} or dict
        What each group integrates over ticks (docs/model.md §3). ``"input"`` (the
        default): the net input, ``net_t = (1 - dt) net_{t-1} + dt (W y_{t-1} + b +
        ext_t)`` and ``y_t = σ(net_t)``. ``"output"`` (Lens ``OUT_INTEGR``): the output,
        ``net_t = W y_{t-1} + b + ext_t`` and ``y_t = (1 - dt) y_{t-1} + dt σ(net_t)``.
        A dict ``{group: mode}`` sets it per unit group (``"O"``, ``"A"``, ``"H"``,
        ``"S"``, ``"OI"``, ``"AI"``, ``"HI"``, ``"SI"``); groups it does not name take
        its ``"default"`` key, else ``"input"``.
    dt_groups : dict or None
        Integration constants per group, ``{group: dt}`` with 0 < dt <= 1 (e.g. slower
        inhibitory pools, ``{"SI": 0.1}``); groups it does not name use ``dt``.
        None: ``dt`` everywhere.
    init_output : float, dict or None
        Outputs of the initial state, set at the start of every trial (Lens
        ``initOutput``, 0.5 for logistic units): a value in (0, 1) for every group, or
        a dict ``{group: value}`` (groups it does not name take its ``"default"`` key,
        else ``init_net``). Under input integration a group starts with net input
        ``logit(init_output)``; under output integration with output ``init_output``.
        None: every unit starts with net input ``init_net`` and output σ(init_net).
    """

    n_auto: int = 20
    n_hidden: int = 50
    n_sem: int = 50
    coding: str = "binary"
    n_slots: int = 3
    inh_fraction: float = 0.2
    separate_inhibition: bool = True
    dt: float = 0.3
    gain: float = 4.0
    clamp: str = "soft"
    n_blank: int = 20
    n_stim: int = 20
    onset_tick: int = 20
    init_net: float = 0.0
    inh_gain: float = 1.0
    n_targets: int = 5
    bias_init: float = -2.0
    envelope: Envelope | None = None
    protocol: str = "reset"
    gap: int = 0
    dtype: str = "float64"
    integration: str | dict = "input"
    dt_groups: dict | None = None
    init_output: float | dict | None = None

    def __post_init__(self):
        if isinstance(self.envelope, dict):
            object.__setattr__(self, "envelope", Envelope(**self.envelope))
        for name, low in (("n_auto", 1), ("n_hidden", 1), ("n_sem", 1), ("n_slots", 1),
                          ("n_stim", 1), ("n_blank", 0), ("gap", 0), ("onset_tick", 0)):
            object.__setattr__(self, name, _integer(name, getattr(self, name), low))
        object.__setattr__(self, "n_targets", _integer("n_targets", self.n_targets, 1))
        _check(self.n_targets <= self.n_stim,
               f"n_targets must be in [1, n_stim={self.n_stim}], got {self.n_targets!r}")
        _check(isinstance(self.separate_inhibition, (bool, np.bool_)),
               f"separate_inhibition must be True or False, got {self.separate_inhibition!r}")
        object.__setattr__(self, "separate_inhibition", bool(self.separate_inhibition))
        _finite_number("inh_fraction", self.inh_fraction, 0.0, 1.0)
        _finite_number("dt", self.dt, 0.0, 1.0, low_open=True)
        _finite_number("gain", self.gain, 0.0)
        _finite_number("init_net", self.init_net)
        _finite_number("inh_gain", self.inh_gain, 0.0, low_open=True)
        _finite_number("bias_init", self.bias_init)
        _check(self.clamp in CLAMPS, f"unknown clamp {self.clamp!r}; choose from {CLAMPS}")
        _check(self.protocol in PROTOCOLS, f"unknown protocol {self.protocol!r}; choose from {PROTOCOLS}")
        _check(self.dtype in DTYPES, f"unknown dtype {self.dtype!r}; choose from {DTYPES}")
        _check(self.envelope is None or isinstance(self.envelope, Envelope),
               f"envelope must be an Envelope or None, got {type(self.envelope).__name__}")
        self._check_dynamics_options()
        if self.separate_inhibition:
            for layer, n in self.excitatory_sizes.items():
                pool = self.pool_size(n)
                _check(pool < n, f"inhibitory pool of layer {layer} ({pool}) must be smaller "
                                 f"than its {n} excitatory units")

    def _check_dynamics_options(self):
        """Validate ``integration``, ``dt_groups`` and ``init_output`` (read-only copies of
        dicts). Spellings of the defaults (every group ``"input"``, an empty dict) become
        the defaults, so that they share the default's JSON and run identities."""
        integration = _per_group("integration", self.integration, _integration_mode,
                                 allow_default=True)
        if isinstance(integration, dict) and set(integration.values()) <= {"input"}:
            integration = "input"
        object.__setattr__(self, "integration", integration)
        if self.dt_groups is not None:
            _validate_type(self.dt_groups, dict, "dt_groups", "dict or None")
            dt_groups = _per_group("dt_groups", self.dt_groups, _dt_value,
                                   allow_default=False, convert=float)
            object.__setattr__(self, "dt_groups", dt_groups or None)
        if self.init_output is not None:
            init_output = _per_group("init_output", self.init_output, _init_output_value,
                                     allow_default=True, convert=float)
            object.__setattr__(self, "init_output", init_output if init_output != {} else None)

    def __hash__(self):
        # the per-group fields may be dicts; the JSON form is canonical (sorted keys)
        return hash(self.to_json())

    def integration_of(self, group):
        """``"input"`` or ``"output"``: how unit group ``group`` integrates (§3)."""
        if isinstance(self.integration, str):
            return self.integration
        return self.integration.get(group, self.integration.get(DEFAULT_KEY, "input"))

    def dt_of(self, group):
        """The integration constant of unit group ``group`` (fraction of a tick)."""
        return float((self.dt_groups or {}).get(group, self.dt))

    def init_output_of(self, group):
        """The initial output of unit group ``group``, or None (start from ``init_net``)."""
        value = self.init_output
        if isinstance(value, dict):
            value = value.get(group, value.get(DEFAULT_KEY))
        return None if value is None else float(value)

    @staticmethod
    def _pool(n, fraction):
        return max(1, int(round(fraction * n))) if fraction > 0 else 0

    def pool_size(self, n_excitatory):
        """Inhibitory units for a layer of ``n_excitatory`` units (0 in the PDP ablation)."""
        if not self.separate_inhibition:
            return 0
        return self._pool(n_excitatory, self.inh_fraction)

    @property
    def n_input(self):
        return get_coding(self.coding, n_slots=self.n_slots).n_units

    @property
    def excitatory_sizes(self):
        """Excitatory units per layer, in the order O, A, H, S."""
        return {"O": self.n_input, "A": self.n_auto, "H": self.n_hidden, "S": self.n_sem}

    @property
    def trial_length(self):
        return self.n_blank + self.n_stim

    def replace(self, **changes):
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        """The fields as a JSON-ready dict.

        The dynamics options (``integration``, ``dt_groups``, ``init_output``) are left
        out where they have their default values, so that the JSON of a configuration
        without them, and every run identity and sweep point hashed from it, is the
        same as before they existed (:meth:`from_dict` fills them in).
        """
        out = dataclasses.asdict(self)
        if self.envelope is not None:
            out["envelope"]["layers"] = list(self.envelope.layers)
        for name, default in _DYNAMICS_OPTION_DEFAULTS.items():
            if out[name] == default:
                del out[name]
        return out

    def to_json(self):
        """The configuration as JSON text (sorted keys), serialised once per object: it
        is frozen, so the text cannot go stale (every result's attributes carry it)."""
        return self._json

    @functools.cached_property
    def _json(self):
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data):
        data = dict(data)
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown configuration fields: {sorted(unknown)}")
        if data.get("envelope") is not None:
            data["envelope"] = Envelope(**data["envelope"])
        return cls(**data)

    @classmethod
    def from_json(cls, text):
        return cls.from_dict(json.loads(text))


#: The dynamics options' defaults (today's dynamics), left out of ``ModelConfig.to_dict``.
_DYNAMICS_OPTION_DEFAULTS = {"integration": "input", "dt_groups": None, "init_output": None}


def default_envelope():
    """The calibrated alpha envelope (``analyses/calibrate_alpha.py``, docs/calibration.md).

    A two-time-constant envelope (rise 2 ticks, decay 30 ticks, θ = 0.05) on the semantic
    layer's excitatory units, clock value 1 at the crossing tick: the best-scoring
    candidate of the test-time search that keeps the trained items correct and shows the
    published words repetition pattern.
    """
    return Envelope(family="biexp", theta=0.05, tau_rise=2.0, tau_decay=30.0,
                    layers=("S",), clock_start=1)


#: Test-time base dynamics chosen by the calibration (stage 1); empty: the training
#: conditions (:func:`training_config`) are kept, the only ones under which the trained
#: items stay correct (docs/calibration.md).
CALIBRATED_DYNAMICS = {}

#: The inhibitory pools (unit groups), for per-group values.
POOLS = ("OI", "AI", "HI", "SI")

#: The training protocol chosen by the training-time calibration (docs/calibration.md,
#: "Training-time calibration"; docs/model.md, "The default protocol"), on top of the
#: :class:`ModelConfig` field defaults: 2 blank ticks, every net input starting at -2
#: (outputs σ(-2) = 0.12), and slower inhibitory pools (dt 0.1 against the layers' 0.3).
#: Together with 3 of 50 active semantic features (``TrainingSettings.n_active``).
CALIBRATED_PROTOCOL = {"n_blank": 2, "init_net": -2.0, "dt_groups": {g: 0.1 for g in POOLS}}

#: The protocol of erpsim 0.2 and its shipped instances (``load_pretrained("erp_v0_2")``):
#: the :class:`ModelConfig` field defaults of the fields the calibrated protocol sets
#: (20 blank ticks, net inputs starting at 0, one dt for every group), trained with 5 of
#: 50 active features. Given explicitly, it restores 0.2's protocol over any base (a
#: sweep's trained points start from :func:`training_config`).
PROTOCOL_V0_2 = {f.name: f.default for f in dataclasses.fields(ModelConfig)
                 if f.name in CALIBRATED_PROTOCOL}


def training_config(**changes):
    """The configuration the shipped instances were trained with (the ERP model).

    Parameters
    ----------
    **changes
        :class:`ModelConfig` fields that replace the protocol's (e.g. ``n_hidden=20``).

    Returns
    -------
    ModelConfig
        The :class:`ModelConfig` field defaults with :data:`CALIBRATED_PROTOCOL`.
    """
    return ModelConfig(**{**CALIBRATED_PROTOCOL, **changes})


def default_config(**changes):
    """The package's default model: the alpha model with the calibrated values.

    The shipped weights trained under :func:`training_config`, run with the calibrated
    envelope (and the calibrated test-time values of :data:`CALIBRATED_DYNAMICS`, none
    since 0.3); ``simulate(..., envelope=None)`` runs the same configuration without
    the envelope (the control).

    Parameters
    ----------
    **changes
        :class:`ModelConfig` fields that replace the default's.

    Returns
    -------
    ModelConfig
    """
    return ModelConfig(**{**CALIBRATED_PROTOCOL, "envelope": default_envelope(),
                          **CALIBRATED_DYNAMICS, **changes})
