// Model layer: tfjs's GlobalAveragePooling2D whose training call on wasm records its mean under a kernel of our own,
// whose gradient divides dy by the window size and broadcasts it by Tile — tfjs's Mean gradient, `div(mul(dy, ones(x.shape)),
// size)`, without the ones tensor (made element by element in JS and copied into the heap each step) and its multiply
// (x · 1 = x for every float). The same bits; WORKBENCH_FUSED_GAP=0 keeps tfjs's own (read at every call).
import * as tf from '@tensorflow/tfjs';

type PoolArgs = Parameters<typeof tf.layers.globalAveragePooling2d>[0];
type Kwargs = Parameters<tf.layers.Layer['call']>[1];
type Inputs = Parameters<tf.layers.Layer['call']>[0];

export const GLOBAL_AVG_POOL_KERNEL = 'WorkbenchGlobalAvgPool';

/** Training calls that took the path since the process started (tests prove the path ran with it). */
export const gapCalls = { forward: 0 };

export const gapEnabled = (): boolean => process.env.WORKBENCH_FUSED_GAP !== '0';

interface GapAttrs { shape: number[] }

/** The forward is the backend's own Mean kernel over height and width, so its numbers are tf.mean's. */
function register(): void {
  if (tf.getKernel(GLOBAL_AVG_POOL_KERNEL, 'wasm') == null) {
    tf.registerKernel({
      kernelName: GLOBAL_AVG_POOL_KERNEL, backendName: 'wasm',
      kernelFunc: (args) => {
        const mean = tf.getKernel(tf.Mean, 'wasm');
        if (mean == null) throw new Error(`${GLOBAL_AVG_POOL_KERNEL}: the wasm backend has no Mean kernel`);
        return mean.kernelFunc({ ...args, attrs: { axis: [1, 2], keepDims: false } });
      },
    });
  }
  if (tf.getGradient(GLOBAL_AVG_POOL_KERNEL) == null) {
    tf.registerGradient({
      kernelName: GLOBAL_AVG_POOL_KERNEL,
      gradFunc: (dy, _saved, attrs) => {
        const [n, h, w, c] = (attrs as unknown as GapAttrs).shape;
        const g = dy as tf.Tensor;
        // (dy · 1) / size = dy / size for every float: divided while small, then copied out.
        return { x: () => tf.tile(tf.reshape(tf.div(g, h * w), [n, 1, 1, c]), [1, h, w, 1]) };
      },
    });
  }
}

let GlobalAvgPool: (new (args: PoolArgs) => tf.layers.Layer) | null = null;

/** A GlobalAveragePooling2D layer (same class name and config as tfjs's, so a saved model is a plain one). */
export function fusedGlobalAveragePooling2d(args: PoolArgs): tf.layers.Layer {
  if (!GlobalAvgPool) {
    const Base = Object.getPrototypeOf(tf.layers.globalAveragePooling2d({ name: 'fused_gap_probe' })).constructor as new (a: PoolArgs) => tf.layers.Layer;
    GlobalAvgPool = class extends Base {
      override call(inputs: Inputs, kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
        const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
        const format = (this as unknown as { dataFormat: string }).dataFormat;
        if (kwargs?.training === true && gapEnabled() && tf.getBackend() === 'wasm' && x.rank === 4 && x.dtype === 'float32'
          && format === 'channelsLast') {
          register();
          gapCalls.forward++;
          return tf.engine().runKernel(GLOBAL_AVG_POOL_KERNEL, { x }, { shape: x.shape } as never) as tf.Tensor;
        }
        return super.call(inputs, kwargs);
      }
    };
  }
  return new GlobalAvgPool(args);
}

/** A GlobalAveragePooling2D built here (its training call is the kernel above): the fused CNN step (train/fusedCnnTrain.ts) runs it. */
export function isFusedGap(layer: tf.layers.Layer): boolean {
  return GlobalAvgPool != null && layer instanceof GlobalAvgPool;
}
