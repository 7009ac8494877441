// Renderer model editor: the layers of a residual block (Conv → Conv → Add with the block input) for a position in a draft.

export interface ResidualInsert {
  /** The layers to insert, in order. */
  layers: Record<string, unknown>[];
  /** A name to give the layer before the block (index), when it has none: the Add refers to it. */
  nameBefore: { index: number; name: string } | null;
}

/** The first `${stem}${n}` no layer uses. */
function freshStem(taken: ReadonlySet<string>, stem: string): string {
  for (let n = 1; ; n++) {
    const s = `${stem}${n}`;
    if (![...taken].some((t) => t === s || t.startsWith(`${s}_`))) return s;
  }
}

/**
 * A residual block inserted at `at`, taking the output of layer `at − 1` (the model input when `at` is 0):
 * Conv2D(filters, 3×3, same, relu) → Conv2D(filters, 3×3, same) → Add with the block input, through a 1×1 Conv2D
 * projection when the block input's channels differ from `filters`, as in ResNet. Returns null when the block input
 * is not a feature map (H×W×C), where a convolution cannot go.
 */
export function residualBlock(
  layers: readonly Record<string, unknown>[], at: number, shapeBefore: readonly (number | null)[] | null, filters: number,
): ResidualInsert | null {
  if (!shapeBefore || shapeBefore.length !== 3) return null;
  const channels = shapeBefore[2];
  const taken = new Set(layers.map((l) => (typeof l.name === 'string' ? l.name : '')).filter(Boolean));
  const stem = freshStem(taken, 'res');
  let source = 'input';
  let nameBefore: ResidualInsert['nameBefore'] = null;
  if (at > 0) {
    const before = layers[at - 1];
    if (typeof before.name === 'string' && before.name) source = before.name;
    else {
      source = `${stem}_in`;
      nameBefore = { index: at - 1, name: source };
    }
  }
  const conv = (name: string, extra: Record<string, unknown>) => ({ type: 'Conv2D', name, filters, kernelSize: 3, padding: 'same', ...extra });
  const block: Record<string, unknown>[] = [
    conv(`${stem}_a`, { activation: 'relu' }),
    conv(`${stem}_b`, { activation: 'linear' }),
  ];
  // The first conv takes the previous layer (or the model input) by default.
  let skip = source;
  if (channels !== filters) {
    block.push({ type: 'Conv2D', name: `${stem}_proj`, inputs: [source], filters, kernelSize: 1, padding: 'same', activation: 'linear' });
    skip = `${stem}_proj`;
  }
  block.push({ type: 'Add', name: `${stem}_add`, inputs: [`${stem}_b`, skip] });
  return { layers: block, nameBefore };
}
