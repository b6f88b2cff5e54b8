"""The one configuration of every command, with provenance: defaults < config file < environment < flags.

The config file is the nearest ``chachong.toml`` (top-level keys) or
``pyproject.toml`` with a ``[tool.chachong]`` table, looking in the checked
folder and then in each of its parents; in one folder ``chachong.toml`` wins.
Only the nearest file is read (files are not merged).

Keys (file / environment variable / flag)::

    min_originality   CHACHONG_MIN_ORIGINALITY   --min-originality   0.8
    max_source_share  CHACHONG_MAX_SOURCE_SHARE  --max-source-share  0.15
    index             CHACHONG_INDEX             --index             .chachong/index.db (used if it exists)
    references        CHACHONG_REFERENCES        -                   [] (folders)
    ignore            CHACHONG_IGNORE            -                   [] (globs relative to the folder)
    max_bytes         CHACHONG_MAX_BYTES         --max-bytes         50 MiB (1 byte to 1 GiB)
    max_chars         CHACHONG_MAX_CHARS         -                   1,000,000 characters of text a document
    parse_seconds     CHACHONG_PARSE_SECONDS     -                   60 s to parse one .pdf/.docx
    parse_memory      CHACHONG_PARSE_MEMORY      -                   1024 MiB to parse one .pdf/.docx
    state             CHACHONG_STATE             --state (gate)      <folder>/.chachong/gate-state.db
    [fingerprint] shingle, k, num_perm, seed, lsh_threshold, window_chars, gram_k, winnow_w
                      CHACHONG_FINGERPRINT_<KEY>                     the index's, else built-in

Paths in a config file are relative to that file's folder; paths from the
environment or flags to the working directory. List values in the environment
are separated by ``os.pathsep``. An empty environment variable counts as unset.
Every bad key or value (out of its range too) raises
:class:`~corpus.errors.ConfigError` naming the file (or variable, or flag)
and the key; so does a ``CHACHONG_FINGERPRINT_*`` variable that names no key.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.errors import ConfigError
from corpus.limits import ReadLimits
from corpus.read import DEFAULT_MAX_BYTES
from index.fingerprint import FingerprintParams

CONFIG_NAME = "chachong.toml"
PYPROJECT_NAME = "pyproject.toml"
DEFAULT_INDEX = Path(".chachong") / "index.db"
STATE_NAME = Path(".chachong") / "gate-state.db"
ENV_PREFIX = "CHACHONG_"
DEFAULT = "default"

#: Command-line flag of each key that has one.
FLAGS: dict[str, str] = {
    "min_originality": "--min-originality",
    "max_source_share": "--max-source-share",
    "index": "--index",
    "max_bytes": "--max-bytes",
    "state": "--state",
}
#: Largest ``max_bytes``: a file is read into memory whole (and decoded, and fingerprinted).
MAX_BYTES_LIMIT = 1 << 30


def _share(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number between 0 and 1, got {value!r}")
    value = float(value)
    if not (0.0 <= value <= 1.0) or math.isnan(value):
        raise ValueError(f"expected a number between 0 and 1, got {value}")
    return value


def _int_between(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"expected an integer from {low:,} to {high:,}, got {value!r}")
        return value

    return check


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 86400:
        raise ValueError(f"expected a number of seconds above 0 and at most 86400, got {value!r}")
    return float(value)


def _path(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a path (a non-empty string), got {value!r}")
    return value


def _string_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"expected a list of non-empty strings, got {value!r}")
    return tuple(value)


def _float_in_text(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"expected a number, got {text!r}") from None


def _int_in_text(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"expected an integer, got {text!r}") from None


def _env_list(text: str) -> list[str]:
    return [part for part in text.split(os.pathsep) if part.strip()]


@dataclass(frozen=True)
class _Key:
    check: Callable[[Any], Any]  # validate a typed value (file or flag)
    parse: Callable[[str], Any]  # environment text -> typed value
    is_path: bool = False  # single path or list of paths to resolve
    is_path_list: bool = False


_KEYS: dict[str, _Key] = {
    "min_originality": _Key(_share, _float_in_text),
    "max_source_share": _Key(_share, _float_in_text),
    "index": _Key(_path, str, is_path=True),
    "references": _Key(_string_list, _env_list, is_path_list=True),
    "ignore": _Key(_string_list, _env_list),
    "max_bytes": _Key(_int_between(1, MAX_BYTES_LIMIT), _int_in_text),
    "max_chars": _Key(_int_between(1, 100_000_000), _int_in_text),
    "parse_seconds": _Key(_seconds, _float_in_text),
    "parse_memory": _Key(_int_between(64, 1 << 20), _int_in_text),
    "state": _Key(_path, str, is_path=True),
}

_FINGERPRINT_FIELDS = {f.name: f for f in dataclasses.fields(FingerprintParams)}


def _fingerprint_check(name: str) -> Callable[[Any], Any]:
    default = _FINGERPRINT_FIELDS[name].default

    def check(value: Any) -> Any:
        if isinstance(default, str):
            if not isinstance(value, str):
                raise ValueError(f"expected a string, got {value!r}")
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"expected a number, got {value!r}")
            value = float(value)
        elif isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {value!r}")
        return value

    return check


def _fingerprint_parse(name: str) -> Callable[[str], Any]:
    default = _FINGERPRINT_FIELDS[name].default
    if isinstance(default, str):
        return str
    return _float_in_text if isinstance(default, float) else _int_in_text


@dataclass(frozen=True)
class Settings:
    """The effective configuration and where each value came from."""

    root: Path  # where the config file was looked for (the gated folder, or the working directory)
    file: Path | None  # the config file read, if any
    min_originality: float
    max_source_share: float
    index: Path  # relative to the working directory unless absolute
    references: tuple[Path, ...]
    ignore: tuple[str, ...]
    max_bytes: int
    state: Path
    limits: ReadLimits = ReadLimits()  # max_chars, parse_seconds, parse_memory
    fingerprint_settings: Mapping[str, Any] = field(default_factory=dict)  # only the keys set somewhere
    sources: Mapping[str, str] = field(default_factory=dict)  # key -> provenance

    @property
    def state_from_flag(self) -> bool:
        """True when the state path was given on the command line (then it may be anywhere)."""
        return self.sources.get("state") == FLAGS["state"]

    @property
    def index_configured(self) -> bool:
        """True when ``index`` was set: then it must exist."""
        return self.sources.get("index", DEFAULT) != DEFAULT

    def fingerprint_params(self, base: FingerprintParams | None = None) -> FingerprintParams:
        """``base`` (the index's parameters, or the defaults) with the configured keys applied."""
        base = base or FingerprintParams()
        try:
            return dataclasses.replace(base, **self.fingerprint_settings)
        except ConfigError as err:
            origins = sorted({self.sources[f"fingerprint.{k}"] for k in self.fingerprint_settings})
            raise ConfigError(f"{', '.join(origins)}: fingerprint: {err}") from err

    def items(self) -> list[tuple[str, Any, str]]:
        """(key, value, provenance) of every setting, in a stable order."""
        values: dict[str, Any] = {
            "min_originality": self.min_originality,
            "max_source_share": self.max_source_share,
            "index": self.index,
            "references": list(self.references),
            "ignore": list(self.ignore),
            "max_bytes": self.max_bytes,
            "max_chars": self.limits.max_chars,
            "parse_seconds": self.limits.parse_seconds,
            "parse_memory": self.limits.parse_memory,
            "state": self.state,
        }
        rows = [(key, value, self.sources.get(key, DEFAULT)) for key, value in values.items()]
        defaults = FingerprintParams()
        for name in _FINGERPRINT_FIELDS:
            key = f"fingerprint.{name}"
            value = self.fingerprint_settings.get(name, getattr(defaults, name))
            rows.append((key, value, self.sources.get(key, "default (an existing index's own value wins)")))
        return rows

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"file": ..., "settings": {key: {"value", "source"}}}``."""

        def plain(value: Any) -> Any:
            if isinstance(value, Path):
                return value.as_posix()
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        return {
            "root": self.root.as_posix(),
            "file": self.file.as_posix() if self.file else None,
            "settings": {key: {"value": plain(value), "source": source} for key, value, source in self.items()},
        }


def find_config_file(start: Path) -> Path | None:
    """The nearest ``chachong.toml`` or chachong-configured ``pyproject.toml``."""
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        own = candidate / CONFIG_NAME
        if own.is_file():
            return own
        pyproject = candidate / PYPROJECT_NAME
        if pyproject.is_file() and "chachong" in _read_toml(pyproject).get("tool", {}):
            return pyproject
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from err
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 text") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror or err}") from err


def _file_table(path: Path) -> tuple[dict[str, Any], str]:
    """The chachong table of a config file and the prefix its keys are named with."""
    data = _read_toml(path)
    if path.name == PYPROJECT_NAME:
        table = data.get("tool", {}).get("chachong", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.chachong] must be a table")
        return table, "tool.chachong."
    return data, ""


def load_settings(
    root: str | Path,
    *,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """The effective configuration for checking ``root``.

    ``flags`` maps keys (``min_originality``, ``index``, ...) to command-line
    values; ``None`` means the flag was not given. ``config_file`` skips the
    search (tests, or an explicit choice).
    """
    root = Path(root)
    env = os.environ if env is None else env
    flags = flags or {}
    values: dict[str, Any] = {
        "min_originality": 0.8,
        "max_source_share": 0.15,
        "index": DEFAULT_INDEX,
        "references": (),
        "ignore": (),
        "max_bytes": DEFAULT_MAX_BYTES,
        "max_chars": ReadLimits.max_chars,
        "parse_seconds": ReadLimits.parse_seconds,
        "parse_memory": ReadLimits.parse_memory,
        "state": root / STATE_NAME,
    }
    sources: dict[str, str] = {}
    fingerprint: dict[str, Any] = {}

    path = config_file if config_file is not None else find_config_file(root)
    if path is not None:
        _apply_file(path, values, fingerprint, sources)
    _apply_env(env, values, fingerprint, sources)
    _apply_flags(flags, values, sources)

    config = Settings(
        root=root,
        file=path,
        min_originality=values["min_originality"],
        max_source_share=values["max_source_share"],
        index=values["index"],
        references=tuple(values["references"]),
        ignore=tuple(values["ignore"]),
        max_bytes=values["max_bytes"],
        state=values["state"],
        limits=ReadLimits(values["parse_seconds"], values["parse_memory"], values["max_chars"]),
        fingerprint_settings=fingerprint,
        sources=sources,
    )
    config.fingerprint_params()  # validate the combination now, naming its origin
    return config


def _apply_file(path: Path, values: dict[str, Any], fingerprint: dict[str, Any], sources: dict[str, str]) -> None:
    table, prefix = _file_table(path)
    base = path.parent
    origin = str(path)
    for key, raw in table.items():
        if key == "fingerprint":
            if not isinstance(raw, dict):
                raise ConfigError(f"{path}: {prefix}fingerprint must be a table")
            for name, value in raw.items():
                if name not in _FINGERPRINT_FIELDS:
                    raise ConfigError(
                        f"{path}: unknown key {prefix}fingerprint.{name} (known: {', '.join(_FINGERPRINT_FIELDS)})"
                    )
                fingerprint[name] = _checked(_fingerprint_check(name), value, f"{path}: {prefix}fingerprint.{name}")
                sources[f"fingerprint.{name}"] = origin
            continue
        spec = _KEYS.get(key)
        if spec is None:
            raise ConfigError(f"{path}: unknown key {prefix}{key} (known: {', '.join([*_KEYS, 'fingerprint'])})")
        value = _checked(spec.check, raw, f"{path}: {prefix}{key}")
        values[key] = _resolve(spec, value, base)
        sources[key] = origin


def _apply_env(
    env: Mapping[str, str], values: dict[str, Any], fingerprint: dict[str, Any], sources: dict[str, str]
) -> None:
    for key, spec in _KEYS.items():
        name = ENV_PREFIX + key.upper()
        text = env.get(name, "")
        if not text.strip():
            continue
        value = _checked(spec.parse, text, name)
        value = _checked(spec.check, value, name)
        values[key] = _resolve(spec, value, None)
        sources[key] = name
    prefix = f"{ENV_PREFIX}FINGERPRINT_"
    known = {f"{prefix}{name.upper()}" for name in _FINGERPRINT_FIELDS}
    for name in sorted(n for n in env if n.startswith(prefix) and n not in known and env[n].strip()):
        raise ConfigError(f"{name}: unknown variable (known: {', '.join(sorted(known))})")
    for field_name in _FINGERPRINT_FIELDS:
        name = f"{prefix}{field_name.upper()}"
        text = env.get(name, "")
        if not text.strip():
            continue
        value = _checked(_fingerprint_parse(field_name), text.strip(), name)
        fingerprint[field_name] = _checked(_fingerprint_check(field_name), value, name)
        sources[f"fingerprint.{field_name}"] = name


def _apply_flags(flags: Mapping[str, Any], values: dict[str, Any], sources: dict[str, str]) -> None:
    for key, value in flags.items():
        if key not in FLAGS:
            raise ConfigError(f"no command-line flag for {key!r}")
        if value is None:
            continue
        spec = _KEYS[key]
        if isinstance(value, Path):
            value = str(value)
        value = _checked(spec.check, value, FLAGS[key])
        values[key] = _resolve(spec, value, None)
        sources[key] = FLAGS[key]


def _checked(check: Callable[[Any], Any], value: Any, where: str) -> Any:
    try:
        return check(value)
    except ValueError as err:
        raise ConfigError(f"{where}: {err}") from None


def _resolve(spec: _Key, value: Any, base: Path | None) -> Any:
    """Paths from a file are relative to its folder; others stay as given."""

    def one(text: str) -> Path:
        path = Path(text).expanduser()
        return path if base is None or path.is_absolute() else base / path

    if spec.is_path:
        return one(value)
    if spec.is_path_list:
        return tuple(one(v) for v in value)
    return value


def describe(config: Settings) -> str:
    """Human-readable effective configuration, one ``key = value  # source`` a line."""
    lines = [
        f"# folder: {config.root.as_posix()}",
        f"# config file: {config.file.as_posix() if config.file else '(none found)'}",
    ]
    rows = [(key, _toml_value(value), source) for key, value, source in config.items()]
    width = max(len(key) + 3 + len(value) for key, value, _ in rows)
    for key, value, source in rows:
        lines.append(f"{f'{key} = {value}':<{width}}  # {source}")
    if not config.index_configured:
        lines.append("# index: the default is used only if it exists")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, Path):
        return _toml_value(value.as_posix())
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)
