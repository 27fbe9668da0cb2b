"""Residual slots: which slot of the residual stream contains each graph dimension.

Without reuse every dimension has a slot of its own, so d_model equals the graph width. With
reuse a slot passes from one dimension to another once nothing reads the first one any more.
A residual stream is only ever added to, so the old value u is cancelled first: a feed-forward
neuron with ``a = u``, ``b = one`` and coefficient -1 adds ``-relu(1) * u = -u``, and
``u + (-u)`` is exactly 0 in floating point. The new value is then added to an exact 0.

With the time convention of ``hullvm.compile.schedule``, dimension d occupies its slot over the
times [start, end]:

- start is 0 for token and position features, 2*l for an output of a lookup at layer l and
  2*l+1 for a neuron dimension at layer l (the slot must already be 0 at the writer's input);
- end is 2*L when the logits read d. Otherwise it is 2*m+1, the feed-forward sublayer of the
  last layer m that reads d, where the cancelling neuron runs. It reads d in the same input as
  the last reader does when that reader is a neuron, or one sublayer later when it is a lookup.

A dimension that nothing reads gets no slot when reuse is on, and its writer's output column is
left zero. Two dimensions can share a slot when their intervals do not overlap, so the fewest
slots equal the largest number of intervals that contain one time. Greedy colouring in order of
start time reaches that number. The slots of ``one``, ``position`` and ``position_sq`` are
never shared: the model writes the position features into their slots by assignment, and other
code finds these slots by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from hullvm.compile.schedule import LayerPlan, node_outputs, node_reads
from hullvm.graph.dsl import Graph, LookupNode

Interval = tuple[int, int]


@dataclass(frozen=True)
class SlotLayout:
    """Slot assignment of every dimension, and the cancelling neurons that slot reuse needs.

    ``slot_of_dim[d]`` is the slot of dimension d, or None when d is never read and has no
    slot. ``names[s]`` lists the occupants of slot s in time order, joined by '|'. Each entry of
    ``cancels`` is (layer, dimension): a neuron in that layer's feed-forward block subtracts
    the dimension's value from its slot before the next occupant is written.
    """

    slot_of_dim: tuple[int | None, ...]
    names: tuple[str, ...]
    cancels: tuple[tuple[int, int], ...]

    @property
    def d_model(self) -> int:
        return len(self.names)


def pinned_dims(graph: Graph) -> tuple[int, ...]:
    """Dimensions whose slots are never shared."""
    return (graph.one, graph.position, graph.position_sq)


def live_intervals(graph: Graph, plan: LayerPlan) -> list[Interval | None]:
    """Compute the [start, end] times each dimension occupies a slot, or None when nothing
    reads it."""
    layer_of = plan.layer_of_node()
    final = 2 * plan.n_layers
    starts = [0] * graph.width
    ends: list[int | None] = [None] * graph.width
    for index, node in enumerate(graph.nodes):
        layer = layer_of[index]
        start = 2 * layer if isinstance(node, LookupNode) else 2 * layer + 1
        for out in node_outputs(node):
            starts[out] = start
        for read in node_reads(node):
            ends[read] = max(ends[read] or 0, 2 * layer + 1)
    for expr in graph.logits:
        for index in expr.dims():
            ends[index] = final
    for index in pinned_dims(graph):
        ends[index] = final
    return [None if end is None else (start, end) for start, end in zip(starts, ends)]


def peak_live_width(graph: Graph, plan: LayerPlan) -> int:
    """Return the maximum number of dimensions alive at one time, which is d_model with slot
    reuse."""
    counts = [0] * (2 * plan.n_layers + 1)
    for interval in live_intervals(graph, plan):
        if interval is not None:
            for t in range(interval[0], interval[1] + 1):
                counts[t] += 1
    return max(counts)


def identity_layout(graph: Graph) -> SlotLayout:
    """Build a layout with one slot per dimension, in graph order."""
    return SlotLayout(tuple(range(graph.width)), tuple(graph.dim_names), ())


def reuse_layout(graph: Graph, plan: LayerPlan) -> SlotLayout:
    """Share slots between dimensions whose live intervals do not overlap."""
    intervals = live_intervals(graph, plan)
    pinned = pinned_dims(graph)
    slot_of_dim: list[int | None] = [None] * graph.width
    occupants: list[list[int]] = []
    for index in pinned:
        slot_of_dim[index] = len(occupants)
        occupants.append([index])
    order = sorted((interval[0], index) for index, interval in enumerate(intervals)
                   if interval is not None and index not in pinned)
    slot_end: list[int] = []  # end time of each shared slot's latest occupant
    first_shared = len(occupants)
    for start, index in order:
        free = [s for s, end in enumerate(slot_end) if end < start]
        if free:
            slot = free[0]
        else:
            slot = len(slot_end)
            slot_end.append(0)
            occupants.append([])
        slot_end[slot] = intervals[index][1]
        slot_of_dim[index] = first_shared + slot
        occupants[first_shared + slot].append(index)
    cancels = []
    for dims in occupants:
        for old in dims[:-1]:
            cancels.append(((intervals[old][1] - 1) // 2, old))
    names = tuple("|".join(graph.dim_names[d] for d in dims) for dims in occupants)
    return SlotLayout(tuple(slot_of_dim), names, tuple(sorted(cancels)))
