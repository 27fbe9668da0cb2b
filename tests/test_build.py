"""Weight building: scheduling, residual slot reuse, determinism, versioning and shape."""

from __future__ import annotations

import hashlib

import pytest
import torch

from hullvm.cli.main import main
from hullvm.compile.schedule import LayerPlan, check_plan, schedule_asap, schedule_layers
from hullvm.compile.slots import identity_layout, peak_live_width, reuse_layout
from hullvm.compile.weights import build_weights
from hullvm.engine.engines import cache_factory
from hullvm.graph.dsl import GraphBuilder, LookupNode
from hullvm.graph.evaluate import GraphEvaluator
from hullvm.model.transformer import HullTransformer
from hullvm.model.weightfile import load_weights, save_weights
from hullvm.pipeline import build, machine_graph, machine_version
from hullvm.wasm.tokens import VOCAB


@pytest.fixture(scope="module")
def milp_plan() -> LayerPlan:
    return schedule_layers(machine_graph(), "milp")


def _write_times(graph, plan: LayerPlan) -> dict[int, int]:
    """The time from which each dimension exists, counted independently of the scheduler."""
    times = {index: 0 for index in graph.token_features}
    times[graph.position] = times[graph.position_sq] = 0
    for layer, (attention, ffn) in enumerate(zip(plan.attention, plan.ffn)):
        for index in attention:
            for out in graph.nodes[index].outs:
                times[out] = 2 * layer + 1
        for index in ffn:
            times[graph.nodes[index].out] = 2 * layer + 2
    return times


def test_milp_plan_respects_dependencies(milp_plan):
    graph = machine_graph()
    assert milp_plan.method == "milp", milp_plan.note
    written = _write_times(graph, milp_plan)
    assert len(written) == graph.width
    for layer, (attention, ffn) in enumerate(zip(milp_plan.attention, milp_plan.ffn)):
        for sublayer, indices in ((2 * layer, attention), (2 * layer + 1, ffn)):
            for index in indices:
                node = graph.nodes[index]
                exprs = ((*node.query, *node.key, *node.values) if isinstance(node, LookupNode)
                         else [e for n in node.neurons for e in (n.a, n.b)])
                for dim in {d for expr in exprs for d in expr.dims()}:
                    assert written[dim] <= sublayer, (graph.dim_names[dim], index, sublayer)
    check_plan(graph, milp_plan)


def test_milp_plan_no_deeper_than_asap(milp_plan):
    asap = schedule_asap(machine_graph())
    assert milp_plan.n_layers == asap.n_layers
    heads = max(len(a) for a in milp_plan.attention)
    assert heads <= max(len(a) for a in asap.attention)
    assert milp_plan.objective["heads"] == heads


def test_milp_plan_narrows_live_width(milp_plan):
    graph = machine_graph()
    width = peak_live_width(graph, milp_plan)
    assert width == milp_plan.objective["width"]
    assert width <= peak_live_width(graph, schedule_asap(graph))
    assert reuse_layout(graph, milp_plan).d_model == width


def test_milp_plan_is_deterministic(milp_plan):
    again = schedule_layers(machine_graph(), "milp")
    assert again.attention == milp_plan.attention
    assert again.ffn == milp_plan.ffn


def test_milp_out_of_time_falls_back_to_asap():
    graph = machine_graph()
    plan = schedule_layers(graph, "milp", time_limit=0.0)
    assert plan.method == "asap"
    assert "time limit" in plan.note
    assert plan.attention == schedule_asap(graph).attention


@pytest.mark.parametrize("reuse_slots", [True, False], ids=["reuse", "no-reuse"])
def test_building_twice_gives_identical_bytes(tmp_path, reuse_slots):
    paths = [tmp_path / "a.safetensors", tmp_path / "b.safetensors"]
    for path in paths:
        save_weights(build(reuse_slots=reuse_slots).weights, path, machine_version())
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    assert digests[0] == digests[1]


def test_weights_round_trip(tmp_path):
    weights = build().weights
    path = tmp_path / "w.safetensors"
    save_weights(weights, path, machine_version())
    loaded = load_weights(path, machine_version=machine_version(), vocab_size=VOCAB.size)
    assert loaded.shape_summary() == weights.shape_summary()
    assert loaded.dim_names == weights.dim_names


def test_every_head_has_dimension_two():
    weights = build().weights
    for layer in weights.layers:
        assert layer.wq.shape[0] == 2 * len(layer.ties)
        assert layer.wk.shape == layer.wq.shape
        assert layer.wo.shape[1] == 2 * len(layer.ties)


def test_reuse_keeps_named_slots_alone():
    report = build(reuse_slots=True)
    names = report.weights.dim_names
    assert len(names) == report.weights.d_model
    for name in ("one", "position", "position_sq"):
        assert name in names
    one = names.index("one")
    assert report.weights.position_dims == (names.index("position"), names.index("position_sq"))
    assert report.slots_saved == machine_graph().width - report.weights.d_model
    assert report.neurons_added == len(report.layout.cancels)
    assert all(one != report.layout.slot_of_dim[d] for _, d in report.layout.cancels)


def _chain_graph():
    """t -> d1 -> prev (d1 one position back) -> d2 -> d3 -> logits: at most 3 dims alive."""
    g = GraphBuilder(4)
    t = g.token_feature("t", [0.1, 1 / 3, 2.5, -7.0])
    d1 = g.neurons("d1", [(1, t, g.one)])
    prev, _ = g.lookup("prev", query=(g.position - 1, 1), key=(2 * g.position, -g.position_sq),
                       values=d1)
    d2 = g.neurons("d2", [(2, prev, g.one)])
    d3 = g.neurons("d3", [(1, d2 + 1, g.one)])
    g.set_logits([d3, -d3, 2 * d3 + 1, 0.5])
    return g.build()


def test_reuse_narrows_tiny_graph():
    graph = _chain_graph()
    plan = schedule_layers(graph, "milp")
    layout = reuse_layout(graph, plan)
    # Live intervals: t [0,1], d1 [1,3], prev.0 [2,3], d2 [3,5], d3 [5,6], prev.1 unread.
    assert graph.width == 9
    assert layout.d_model == 6
    assert layout.names == ("one", "position", "position_sq", "t|prev.0|d3", "d1", "d2")
    assert layout.cancels == ((0, graph.dim_names.index("t")),
                              (1, graph.dim_names.index("prev.0")))


@pytest.mark.parametrize("reuse_slots", [True, False], ids=["reuse", "no-reuse"])
def test_tiny_model_matches_evaluator(reuse_slots):
    graph = _chain_graph()
    plan = schedule_layers(graph, "milp")
    layout = reuse_layout(graph, plan) if reuse_slots else identity_layout(graph)
    model = HullTransformer(build_weights(graph, plan, layout))
    tokens = [0, 1, 2, 3, 2, 1]
    by_model = model(torch.tensor(tokens)).tolist()
    evaluator = GraphEvaluator(graph, cache_factory("standard"))
    by_graph = [evaluator.logits(evaluator.residual(token)) for token in tokens]
    assert by_model == by_graph


def test_build_command_prints_schedule(capsys, tmp_path):
    path = tmp_path / "w.safetensors"
    assert main(["build", "-o", str(path)]) == 0
    err = capsys.readouterr().err
    assert "schedule             milp" in err
    assert "slots saved" in err
    assert "cancelling neurons added" in err
    assert main(["build", "-o", str(path), "--schedule", "asap", "--no-reuse-slots"]) == 0
    err = capsys.readouterr().err
    assert "schedule             asap" in err
    assert "slot reuse           off" in err
