"""Every sub-command against a table of malformed invocations: one clear answer for every input.

Each case runs in-process through :func:`canopy.cli.main` under an alarm (a hang fails the case) and must
end with exit status 2 (bad input) or 1 (a check failed), exactly one line on standard error naming the
problem, no traceback and no "internal error" (the dispatcher's catch-all for exceptions nobody classified).
A few cases run the real ``canopy`` entry point as a subprocess (``--version``, a closed pipe, ``/dev/full``
as standard output, ``--box -1,1`` with a space).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from canopy.cli import COMMANDS, main

#: seconds one in-process case may take before it counts as a hang
CASE_SECONDS = 20

HUGE_DIGITS = "9" * 5000
HUGE_EXP = "1e100000000"


def _write_files(d: Path) -> dict[str, str]:
    """Malformed network files (and other inputs) written once per module; name -> path."""
    import torch

    f: dict[str, str] = {}

    def put(name: str, data: bytes | str) -> None:
        p = d / name
        p.write_bytes(data if isinstance(data, bytes) else data.encode())
        f[name] = str(p)

    def net(layers: object, **extra: object) -> str:
        return json.dumps({"layers": layers, **extra})

    put("deep_list.json", "[" * 200_000 + "]" * 200_000)
    put("deep_in_layers.json", '{"layers": ' + "[" * 50_000 + "]" * 50_000 + "}")
    put("deep_object.json", '{"a":' * 50_000 + "1" + "}" * 50_000)
    put("not_utf8.json", b"\xff\xfe\x00\x80garbage\xc3\x28")
    put("empty.json", "")
    put("whitespace.json", "   \n")
    put("null.json", "null")
    put("list.json", "[]")
    put("number.json", "42")
    put("string.json", '"layers"')
    put("truncated.json", '{"layers": [{"weight": [["1"]]')
    put("no_layers.json", "{}")
    put("empty_layers.json", net([]))
    put("layers_not_list.json", net("abc"))
    put("layer_not_object.json", net([1, 2]))
    put("huge_exponent.json", net([{"weight": [[HUGE_EXP]], "bias": ["0"]}]))
    put("huge_exponent_bias.json", net([{"weight": [["1"]], "bias": ["-" + HUGE_EXP]}]))
    put("huge_digits.json", net([{"weight": [[HUGE_DIGITS]], "bias": ["0"]}]))
    put("huge_denominator.json", net([{"weight": [["1/" + HUGE_DIGITS]], "bias": ["0"]}]))
    put("nan_weight.json", net([{"weight": [["nan"]], "bias": ["0"]}]))
    put("inf_weight.json", net([{"weight": [["inf"]], "bias": ["0"]}]))
    put("float_weight.json", net([{"weight": [[0.5]], "bias": ["0"]}]))
    put("bool_weight.json", net([{"weight": [[True]], "bias": ["0"]}]))
    put("null_weight.json", net([{"weight": [[None]], "bias": ["0"]}]))
    put("zero_denominator.json", net([{"weight": [["1/0"]], "bias": ["0"]}]))
    put("word_weight.json", net([{"weight": [["one"]], "bias": ["0"]}]))
    put("weight_not_list.json", net([{"weight": "abc", "bias": ["0"]}]))
    put("missing_bias.json", net([{"weight": [["1", "2"]]}]))
    put("missing_weight.json", net([{"bias": ["0"]}]))
    put("ragged.json", net([{"weight": [["1", "2"], ["1"]], "bias": ["0", "0"]}]))
    put("bias_mismatch.json", net([{"weight": [["1", "2"]], "bias": ["0", "0", "0"]}]))
    put("empty_row.json", net([{"weight": [[]], "bias": ["0"]}]))
    put("chain_mismatch.json", net([{"weight": [["1", "2"], ["3", "4"]], "bias": ["0", "0"]},
                                    {"weight": [["1", "2", "3"]], "bias": ["0"]}]))
    put("bad_policy.json", net([{"weight": [["1", "2"]], "bias": ["0"]}], policy=5))
    put("too_many_weights.json", net([{"weight": [["0"] * 1100] * 1000, "bias": ["0"] * 1000}]))
    # JSON graphs (tropical.graph)
    for name, (nodes, extra) in _graph_files().items():
        put(name, json.dumps({"format": "canopy-graph", "version": 1, "nodes": nodes, "output": "y", **extra}))
    # torch files
    sd = {"0.weight": torch.ones(3, 2), "0.bias": torch.zeros(3), "2.weight": torch.ones(1, 3),
          "2.bias": torch.zeros(1)}
    p = d / "state_dict_named.json"
    torch.save(sd, p)
    f["pt_as_json"] = str(p)
    put("random_bytes.pt", os.urandom(512))
    put("text.pt", net([{"weight": [["1"]], "bias": ["0"]}]))
    put("empty.pt", b"")
    p = d / "stride0.pt"
    torch.save({"0.weight": torch.zeros(1).expand(20000, 20000), "0.bias": torch.zeros(20000)}, p)
    f["stride0.pt"] = str(p)
    p = d / "list.pt"
    torch.save([torch.ones(2, 2)], p)
    f["list.pt"] = str(p)
    p = d / "nan.pt"
    torch.save({"0.weight": torch.full((2, 2), float("nan")), "0.bias": torch.zeros(2)}, p)
    f["nan.pt"] = str(p)
    p = d / "conv.pt"
    torch.save({"0.weight": torch.ones(4, 3, 3, 3), "0.bias": torch.zeros(4)}, p)
    f["conv.pt"] = str(p)
    p = d / "empty_dict.pt"
    torch.save({}, p)
    f["empty_dict.pt"] = str(p)
    (d / "a_directory.json").mkdir()
    f["directory"] = str(d / "a_directory.json")
    f["missing"] = str(d / "missing.json")
    f["empty_name"] = ""
    # other inputs
    put("archs_bad.txt", "|nor_conv_3x3~0|+|bad|\n")
    put("archs_binary.txt", b"\xff\xfe\x00\x80")
    put("archs_empty.txt", "")
    put("corrupt_store.sqlite", b"this is not a sqlite database" * 10)
    put("existing.json", "{}")
    os.symlink(d / "existing.json", d / "link.json")
    f["link"] = str(d / "link.json")
    os.symlink(d / "nowhere.png", d / "dangling.png")
    f["dangling"] = str(d / "dangling.png")
    f["dir"] = str(d)
    f["nofolder"] = str(d / "no" / "such" / "folder" / "out.png")
    return f


def _graph_files() -> dict[str, tuple[object, dict[str, object]]]:
    """Malformed graph files: name -> (nodes, extra top-level keys); the output node is always "y"."""
    x = {"id": "x", "op": "input", "shape": [1, 2, 2]}

    def conv(**kw: object) -> dict[str, object]:
        return {"id": "y", "op": "conv2d", "input": "x", "weight": [[[["1", "0"], ["0", "1"]]]], **kw}

    return {
        "g_version.json": ([x, conv()], {"version": 2}),
        "g_format.json": ([x, conv()], {"format": "other"}),
        "g_no_output.json": ([x, conv()], {"output": None}),
        "g_output_unknown.json": ([x, conv()], {"output": "zzz"}),
        "g_extra_key.json": ([x, conv()], {"colour": "red"}),
        "g_nodes_not_list.json": ("abc", {}),
        "g_nodes_empty.json": ([], {}),
        "g_node_not_object.json": ([x, 1], {}),
        "g_no_id.json": ([x, {"op": "relu", "input": "x"}], {}),
        "g_duplicate_id.json": ([x, {"id": "x", "op": "relu", "input": "x"}], {}),
        "g_unknown_op.json": ([x, {"id": "y", "op": "softmax", "input": "x"}], {}),
        "g_unknown_node_key.json": ([x, {"id": "y", "op": "relu", "input": "x", "alpha": "1"}], {}),
        "g_forward_ref.json": ([x, {"id": "y", "op": "relu", "input": "y"}], {}),
        "g_no_input_node.json": ([{"id": "y", "op": "relu", "input": "x"}], {}),
        "g_two_inputs.json": ([x, {"id": "y", "op": "input", "shape": [2]}], {}),
        "g_huge_shape.json": ([{"id": "y", "op": "input", "shape": [100000, 100000, 100000]}], {}),
        "g_shape_zero.json": ([{"id": "y", "op": "input", "shape": [0]}], {}),
        "g_conv_channels.json": ([x, conv(weight=[[[["1"]], [["1"]]]])], {}),
        "g_conv_ragged.json": ([x, conv(weight=[[[["1", "0"], ["0"]]]])], {}),
        "g_conv_3d.json": ([x, conv(weight=[[["1"]]])], {}),
        "g_conv_float.json": ([x, conv(weight=[[[[0.5, "0"], ["0", "1"]]]])], {}),
        "g_conv_nan.json": ([x, conv(weight=[[[["nan", "0"], ["0", "1"]]]])], {}),
        "g_conv_huge_exponent.json": ([x, conv(bias=["1e100000000"])], {}),
        "g_conv_bias_length.json": ([x, conv(bias=["1", "2"])], {}),
        "g_conv_stride_zero.json": ([x, conv(stride=0)], {}),
        "g_conv_groups.json": ([x, conv(groups=3)], {}),
        "g_kernel_too_big.json": ([x, {"id": "y", "op": "maxpool2d", "input": "x", "kernel_size": 5}], {}),
        "g_pool_padding.json": ([x, {"id": "y", "op": "avgpool2d", "input": "x", "kernel_size": 2, "padding": 2}],
                                {}),
        "g_pool_on_vector.json": ([{"id": "x", "op": "input", "shape": [4]},
                                   {"id": "y", "op": "maxpool2d", "input": "x", "kernel_size": 2}], {}),
        "g_add_shapes.json": ([x, {"id": "f", "op": "flatten", "input": "x"},
                               {"id": "y", "op": "add", "inputs": ["x", "f"]}], {}),
        "g_concat_shapes.json": ([x, {"id": "f", "op": "flatten", "input": "x"},
                                  {"id": "y", "op": "concat", "inputs": ["x", "f"], "axis": 0}], {}),
        "g_reshape_size.json": ([x, {"id": "y", "op": "reshape", "input": "x", "shape": [3]}], {}),
        "g_linear_width.json": ([x, {"id": "y", "op": "linear", "input": "x", "weight": [["1", "2", "3"]]}], {}),
        "g_bn_irrational.json": ([x, {"id": "y", "op": "batchnorm2d", "input": "x", "mean": ["0"], "var": ["2"]}],
                                 {}),
        "g_too_many_neurons.json": ([{"id": "x", "op": "input", "shape": [40000]},
                                     {"id": "y", "op": "relu", "input": "x"}], {}),
        "g_too_many_terms.json": ([{"id": "x", "op": "input", "shape": [1, 1000, 1000]},
                                   {"id": "y", "op": "conv2d", "input": "x", "weight": [[[["1"] * 5] * 5]]}], {}),
        "g_too_many_numbers.json": ([{"id": "x", "op": "input", "shape": [2]},
                                     {"id": "y", "op": "linear", "input": "x", "weight": [["1", "1"]] * 600_000}],
                                    {}),
    }


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return _write_files(tmp_path_factory.mktemp("bad_inputs"))


NETWORK_FILES = [
    "deep_list.json", "deep_in_layers.json", "deep_object.json", "not_utf8.json", "empty.json", "whitespace.json",
    "null.json", "list.json", "number.json", "string.json", "truncated.json", "no_layers.json", "empty_layers.json",
    "layers_not_list.json", "layer_not_object.json", "huge_exponent.json", "huge_exponent_bias.json",
    "huge_digits.json", "huge_denominator.json", "nan_weight.json", "inf_weight.json", "float_weight.json",
    "bool_weight.json", "null_weight.json", "zero_denominator.json", "word_weight.json", "weight_not_list.json",
    "missing_bias.json", "missing_weight.json", "ragged.json", "bias_mismatch.json", "empty_row.json",
    "chain_mismatch.json", "bad_policy.json", "too_many_weights.json", "pt_as_json", "random_bytes.pt", "text.pt",
    "empty.pt", "stride0.pt", "list.pt", "nan.pt", "conv.pt", "empty_dict.pt", "directory", "missing", "empty_name",
    *_graph_files(),
]

BAD_BOX = ["1,-1", "0,0", "-1", "a,b", HUGE_EXP + ",1e100000001", "-" + HUGE_EXP + ",1", "1,2,3", "", "nan,1",
           "-inf,1", "1/0,1", "-1;1", HUGE_DIGITS + "," + HUGE_DIGITS + "1"]
BAD_WIDTHS = ["100000", "0", "-3", "a,b", "3,,3", "3;3", "1e2", HUGE_DIGITS, ",".join(["2"] * 1000), "3.5", "0x10"]
BAD_COUNT = ["0", "-1", "x", "1.5", HUGE_DIGITS]

#: sub-command -> (valid base argv, {option: [bad values]})
TABLE: dict[str, tuple[list[str], dict[str, list[str]]]] = {
    "verify": (["verify", "--widths", "3", "--points", "3"], {
        "--input": ["0", "-1", "abc", "100000", "1e3", "", HUGE_DIGITS],
        "--widths": [*BAD_WIDTHS, "40,40"],
        "--outputs": ["0", "-1", "x", "100000"],
        "--seed": ["x", "1.5", ""],
        "--scale": ["-1", "nan", "inf", HUGE_EXP, HUGE_DIGITS, "abc", "1/0", ""],
        "--policy": ["nope", ""],
        "--max-denominator": ["0", "-5", "x"],
        "--points": ["0", "-1", "1000000000", "x", HUGE_DIGITS],
        "--box": BAD_BOX,
        "--max-regions": ["0", "-1", "x", "100000000000000000000"],
        "--backend": ["gmp", ""],
        "--distribution": ["uniform"],
    }),
    "export": (["export", "-", "--widths", "3"], {
        "--input": ["0", "-1", "abc", "100000"],
        "--widths": BAD_WIDTHS,
        "--outputs": ["0", "100000"],
        "--scale": ["-1", "nan", HUGE_EXP, "abc"],
        "--policy": ["nope"],
        "--max-denominator": ["0", "x"],
    }),
    "regions": (["regions", "--widths", "3", "--input", "2"], {
        "--input": ["0", "-1", "abc", "100000"],
        "--widths": BAD_WIDTHS,
        "--seed": ["x", "1.5"],
        "--scale": ["0", "-1", "x", "100000"],
        "--box": BAD_BOX,
        "--max-regions": ["0", "-1", "x", "100000000000000000000"],
        "--time-budget": ["0", "-1", "nan", "inf", "x"],
        "--workers": ["0", "-2", "x", "1.5", "100000"],
        "--backend": ["gmp"],
        "--distribution": ["uniform"],
    }),
    "score": (["score", "--input-dim", "3"], {
        "--widths": ["", "0", "-1", "a", HUGE_DIGITS, "5,,5", "5;5"],
        "--input-dim": ["0", "-1", "x", HUGE_DIGITS],
        "--mode": ["nope", ""],
        "--nb201": ["", "garbage", "|nor_conv_3x3~0|", "|bad~0|+|none~0|none~1|+|none~0|none~1|none~2|",
                    "|" + "x" * 100_000 + "~0|"],
        "--darts": ["", "Genotype(", "Genotype(normal=[], normal_concat=range(0, 10000000000))",
                    "a,b,c", ",".join(["sep_conv_3x3"] * 13 + ["bad"]), "__import__('os')"],
    }),
    "tightness": (["tightness", "--ladder", "2:2", "--seeds", "1", "--distributions", "integer"], {
        "--ladder": ["", "2", "2:", "a:b", "2:100000", "0:3", "2:-1", "3:4000,4000", ";", "2:3:4"],
        "--seeds": ["0", "-1", "1000000000", "x"],
        "--distributions": ["nope", "", ",", "gaussian,nope"],
        "--integer-scale": ["0", "-1", "x"],
        "--modes": ["nope", "generic,nope", ""],
        "--count": ["nope"],
        "--max-regions": ["0", "-1", "x"],
    }),
    "evaluate": (["evaluate", "--proxies", "params", "--sample", "2", "--bootstrap", "0", "--no-progress"], {
        "--proxies": ["", "nope", ",", "params,", "params,nope"],
        "--dataset": ["mnist", ""],
        "--space": ["nope", ""],
        "--sample": ["0", "-1", "100000", "1000000000", "x"],
        "--bootstrap": ["-1", "1000000000", "x"],
        "--workers": ["-1", "x", "1000000000"],
        "--subset": ["nope"],
        "--set": ["x", "a=b", ".k=v", "params.=1", "=1"],
        "--seed": ["x", "1.5"],
    }),
    "search": (["search", "--space", "mobilenet", "--proxy", "params", "--no-store", "--evals", "10", "--seeds", "1",
                "--population", "4", "--sample-size", "2"], {
        "--space": ["nope", ""],
        "--proxy": ["nope", "test", ""],
        "--algorithm": ["x"],
        "--seeds": ["0", "-1", "1000000000", "x"],
        "--evals": ["0", "-1", "10000000000", "x"],
        "--population": ["0", "-1", "100000000"],
        "--sample-size": ["0", "-1"],
        "--budget-mflops": ["0", "-1", "nan", "inf", "x"],
        "--first-seed": ["-1", "x"],
        "--proxy-seed": ["x"],
    }),
}


def _option_cases() -> list[tuple[str, list[str]]]:
    cases = []
    for cmd, (base, options) in TABLE.items():
        for opt, values in options.items():
            for v in values:
                argv = [a for a in base]
                if opt in argv:  # replace the base value
                    i = argv.index(opt)
                    del argv[i:i + 2]
                cases.append((f"{cmd} {opt}={v[:20]}", [*argv, f"{opt}={v}"]))
    for cmd in TABLE:
        cases.append((f"{cmd} unknown flag", [cmd, "--no-such-flag"]))
        cases.append((f"{cmd} extra positional", [*TABLE[cmd][0], "extra", "positional"]))
    return cases


def _file_cases() -> list[tuple[str, list[str]]]:
    cases = []
    for name in NETWORK_FILES:
        cases.append((f"verify --network {name}", ["verify", "--network", f"@{name}"]))
        cases.append((f"regions --network {name}", ["regions", "--network", f"@{name}"]))
        cases.append((f"export --network {name}", ["export", "-", "--network", f"@{name}"]))
    outs = {"directory": "@dir", "/dev/full": "/dev/full", "symlink": "@link", "dangling symlink": "@dangling",
            "missing folder": "@nofolder", "empty name": ""}
    for what, out in outs.items():
        cases.append((f"export to {what}", ["export", out, "--widths", "3"]))
        cases.append((f"regions --out {what}", ["regions", "--widths", "3", "--out", out]))
        cases.append((f"tightness --out {what}", [*TABLE["tightness"][0], "--out", out]))
        cases.append((f"tightness --csv {what}", [*TABLE["tightness"][0], "--csv", out]))
        cases.append((f"tightness --json {what}", [*TABLE["tightness"][0], "--json", out]))
        cases.append((f"evaluate --csv {what}", [*TABLE["evaluate"][0], "--csv", out]))
        cases.append((f"search --trajectories {what}", [*TABLE["search"][0], "--trajectories", out]))
    cases.append(("export over an existing file", ["export", "@existing.json", "--widths", "3"]))
    cases.append(("regions --out with 3 inputs", ["regions", "--input", "3", "--widths", "3", "--out", "x.png"]))
    cases.append(("evaluate --plot onto a file", [*TABLE["evaluate"][0], "--plot", "@existing.json"]))
    for what in ("archs_bad.txt", "archs_binary.txt", "archs_empty.txt", "directory", "missing", "empty_name"):
        cases.append((f"evaluate --archs {what}", ["evaluate", "--proxies", "params", "--archs", f"@{what}",
                                                   "--bootstrap", "0", "--no-progress"]))
    for what in ("directory", "missing", "existing.json"):
        cases.append((f"evaluate --data {what}", [*TABLE["evaluate"][0], "--data", f"@{what}"]))
    for what in ("directory", "corrupt_store.sqlite", "not_utf8.json"):
        cases.append((f"evaluate --store {what}", [*TABLE["evaluate"][0], "--store", f"@{what}"]))
    cases.append(("search nb201 --dataset mnist", ["search", "--space", "nb201", "--proxy", "params", "--no-store",
                                                   "--evals", "5", "--seeds", "1", "--population", "4",
                                                   "--sample-size", "2", "--dataset", "mnist"]))
    cases.append(("export --force to /dev/full", ["export", "/dev/full", "--widths", "3", "--force"]))
    for v in ("range(0, 10000000000)", "range(10**10)", "[" * 10_000 + "]" * 10_000, "'x' * 10**9"):
        genotype = f"Genotype(normal=[('sep_conv_3x3', 0)], normal_concat={v}, reduce=[], reduce_concat=[2])"
        cases.append((f"score --darts concat={v[:20]}", ["score", "--darts", genotype]))
    cases.append(("search --store directory", [*[a for a in TABLE["search"][0] if a != "--no-store"], "--store", "@dir"]))
    cases.append(("score --mode exact on [64,128,64]", ["score", "--widths", "64,128,64", "--mode", "exact"]))
    cases.append(("score two architectures", ["score", "--widths", "3", "--nb201", "x"]))
    cases.append(("score no architecture", ["score"]))
    for opt in ("--C", "--N", "--layers"):
        for v in ("0", "-1", "100000", "x"):
            cases.append((f"score nb201 {opt}={v}", ["score", "--nb201", "|nor_conv_3x3~0|+|nor_conv_3x3~0|"
                                                     "avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
                                                     f"{opt}={v}"]))
    for v in ("", "3,32", "0,32,32", "-3,32,32", "a,b,c", "3,32,32,3", "3,100000,100000"):
        cases.append((f"score darts --input-shape={v}", ["score", "--darts", ",".join(["sep_conv_3x3"] * 14),
                                                          f"--input-shape={v}"]))
    cases += [("no command", []), ("unknown command", ["nope"]), ("unknown top flag", ["--nope"]),
              ("--network with no value", ["verify", "--network"])]
    return cases


CASES = _option_cases() + _file_cases()


def test_the_table_is_large_and_covers_every_command() -> None:
    assert len(CASES) >= 300
    covered = {argv[0] for _, argv in CASES if argv and argv[0] in COMMANDS}
    assert covered == set(COMMANDS)


#: one state of a tqdm progress bar: "desc:  42%|████      | 21/50 [00:01<00:02, 9.1net/s]"
_TQDM_STATE = re.compile(r"^[\w .-]+: +\d+%\|[^|]*\| \d+/\d+ \[")


class _Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Hang


@pytest.mark.parametrize("name, argv", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_one_clear_line(name: str, argv: list[str], files: dict[str, str], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CANOPY_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.delenv("CANOPY_TRACEBACK", raising=False)
    argv = [files[a[1:]] if a.startswith("@") else a for a in argv]
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_SECONDS)
    try:
        status = main(argv)
    except _Hang:
        pytest.fail(f"{name}: no answer within {CASE_SECONDS} s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    out, err = capsys.readouterr()
    assert status in (1, 2), f"{name}: exit status {status}; stderr {err!r}"
    assert err.endswith("\n"), f"{name}: no line on stderr"
    *progress, line = err.splitlines()
    # progress may come first (lines ending with ' ...', or a tqdm bar redrawn with carriage returns, which
    # splitlines() cuts into its successive states); the answer is the one last line
    assert all(p.endswith(" ...") or not p.strip() or _TQDM_STATE.match(p) for p in progress), (
        f"{name}: stderr is not one line: {err[:2000]!r}")
    assert "error" in line or status == 1, f"{name}: {line!r}"
    assert "Traceback" not in err and "internal error" not in err, f"{name}: {err!r}"
    assert len(line) < 600, f"{name}: an overlong line: {line[:200]!r}..."


def test_export_does_not_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "net.json"
    out.write_text("keep me")
    assert main(["export", str(out), "--widths", "3"]) == 2
    assert out.read_text() == "keep me" and "--force" in capsys.readouterr().err
    assert main(["export", str(out), "--widths", "3", "--force"]) == 0
    assert json.loads(out.read_text())["layers"]


def test_the_limits_can_be_raised(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--widths", "3", "--points", "100001", "--no-regions"]) == 2
    assert "--allow-costly" in capsys.readouterr().err
    assert main(["score", "--widths", "2,2", "--input-dim", "2", "--mode", "exact"]) == 0


def test_box_with_a_space_and_a_negative_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regions", "--widths", "3", "--box", "-1,1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["domain"] == "-1,1"


def test_json_is_strict_and_progress_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--space", "mobilenet", "--proxy", "params", "--no-store", "--evals", "8",
                 "--seeds", "1", "--population", "4", "--sample-size", "2", "--json"]) == 0
    out, err = capsys.readouterr()
    text = out.strip()
    assert "null_numbers" in json.loads(text, parse_constant=lambda c: pytest.fail(f"bare {c} in --json output"))
    assert "seed   0" in err


def test_evaluate_json_is_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    assert main(["evaluate", "--proxies", "params", "--sample", "3", "--bootstrap", "0", "--json", "--workers", "0",
                 "--data", str(data_dir), "--store", str(tmp_path / "s.sqlite")]) == 0
    out = capsys.readouterr().out
    assert "null_numbers" in json.loads(out, parse_constant=lambda c: pytest.fail(f"bare {c} in --json output"))


def test_aliases_of_search_and_evaluate() -> None:
    from canopy.cli import build_parser

    p = build_parser()
    s = p.parse_args(["search", "--proxies", "params", "--seed", "3"])
    e = p.parse_args(["evaluate", "--proxy", "params", "--proxy-seed", "3"])
    assert (s.proxy, s.proxy_seed) == ("params", 3) and (e.proxies, e.seed) == ("params", 3)


# --- the real entry point, as a subprocess -------------------------------------------------------------------

def _canopy(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "canopy.cli", *args], capture_output=True, text=True,
                          timeout=120, **kw)  # type: ignore[call-overload]


def test_version() -> None:
    from canopy import __version__

    r = _canopy("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"canopy {__version__}"


def test_stdout_to_dev_full_is_not_exit_0() -> None:
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "canopy.cli", "score", "--widths", "5,5", "--all-modes"],
                           stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "no space" in r.stderr


def test_a_closed_pipe_is_quiet() -> None:
    code = ("import subprocess, sys; p = subprocess.Popen([sys.executable, '-m', 'canopy.cli', 'export', '-', "
            "'--widths', '64,64'], stdout=subprocess.PIPE, stderr=subprocess.PIPE); p.stdout.readline(); "
            "p.stdout.close(); err = p.stderr.read().decode(); p.wait(); print(p.returncode); print(repr(err))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    status, err = r.stdout.splitlines()
    assert status == "141" and "Traceback" not in err and "BrokenPipe" not in err, r.stdout


@pytest.mark.parametrize("argv", [
    ["regions", "--widths", "3", "--box", "-1,1"],
    ["verify", "--network", "@deep_list.json"],
    ["verify", "--network", "@not_utf8.json"],
    ["regions", "--network", "@huge_exponent.json"],
    ["score", "--widths", "64,128,64", "--mode", "exact"],
])
def test_entry_point_subprocess(argv: list[str], files: dict[str, str]) -> None:
    argv = [files[a[1:]] if a.startswith("@") else a for a in argv]
    r = _canopy(*argv)
    if argv[0] == "regions" and "--box" in argv:
        assert r.returncode == 0 and r.stderr == ""
        return
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


@pytest.mark.parametrize("argv", [["tightness"], ["tightness", "--quick"], ["verify", "--no-regions"]])
def test_the_defaults_pass_the_limits(argv: list[str], monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The limits never refuse a default run: the work is reached (then interrupted, exit 130)."""
    import canopy.bounds.tightness
    import canopy.cli.verify

    def reached(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(canopy.bounds.tightness, "tightness_study", reached)
    monkeypatch.setattr(canopy.cli.verify, "verify", reached)
    assert main(argv) == 130
    assert capsys.readouterr().err.splitlines()[-1].endswith("interrupted")


def test_ctrl_c_is_one_line_and_exit_130() -> None:
    import signal as sig
    import time

    p = subprocess.Popen([sys.executable, "-m", "canopy.cli", "verify", "--widths", "20,20", "--no-regions"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    p.send_signal(sig.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130 and err.splitlines()[-1] == "canopy verify: interrupted" and "Traceback" not in err
