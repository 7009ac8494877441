// Models view: which connections of the layer graph to draw beside the list, and how far each arc bulges (pure).

export interface ArcEdge {
  /** Source layer index (-1: the model input). */
  from: number;
  to: number;
  /** True for "the previous layer" (a straight line down the list); false for a skip or merge input (an arc). */
  chain: boolean;
  /** Horizontal bulge of an arc in px: nested arcs bulge further so that none hides another. */
  depth: number;
}

/** Edges of the graph, arcs given depths so that an arc spanning another lies outside it. */
export function arcLayout(inbound: readonly (readonly number[] | null)[]): ArcEdge[] {
  const edges: ArcEdge[] = [];
  inbound.forEach((from, to) => from?.forEach((f) => edges.push({ from: f, to, chain: f === to - 1, depth: 0 })));
  const arcs = edges.filter((e) => !e.chain).sort((a, b) => (a.to - a.from) - (b.to - b.from));
  for (const a of arcs) {
    // One step further out than every shorter arc it overlaps.
    const inside = arcs.filter((b) => b !== a && b.depth > 0 && b.from < a.to && a.from < b.to);
    a.depth = 14 + 10 * inside.reduce((m, b) => Math.max(m, (b.depth - 14) / 10 + 1), 0);
  }
  return edges;
}
