// The Fashion-MNIST label set and image geometry: constants every layer shares.
export const CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export type ClassName = (typeof CLASS_NAMES)[number];
export const NUM_CLASSES = 10;
export const IMAGE_SIZE = 28;
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;

/** The seed report's section 5.4 pairs: [actual, predicted]. */
export const SIMILAR_PAIRS: ReadonlyArray<readonly [ClassName, ClassName]> = [
  ['Shirt', 'Coat'],
  ['Pullover', 'Shirt'],
  ['Shirt', 'T-shirt/top'],
];

export function classIndex(name: string): number {
  const i = (CLASS_NAMES as readonly string[]).indexOf(name);
  if (i < 0) throw new Error(`unknown class name "${name}"; expected one of ${CLASS_NAMES.join(', ')}`);
  return i;
}
