// tfjs's Dense layer with a leaner pass (engine layer): one fused kernel forward, only the gradients needed backward.
import * as tf from '@tensorflow/tfjs';
import { activeNative } from '../backend/native/active.js';
import { BIAS_ACT_GRAD_KERNEL, RELU_MASK } from '../backend/kernels/native/ConvLayer.js';
import { fusedConvEnabled } from './convLayer.js';
import { reluGradient } from './graphOps.js';

type DenseArgs = Parameters<typeof tf.layers.dense>[0];
type Kwargs = Parameters<tf.layers.Layer['call']>[1];
type Inputs = Parameters<tf.layers.Layer['call']>[0];
interface DenseFields {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { getClassName(): string; apply(x: tf.Tensor): tf.Tensor };
}

/** Backends whose _FusedMatMul takes 2-D operands (wasm's shipped one reads out of bounds; the native one does not). */
const twoDimensional = (backend: string) => backend === 'cpu' || (backend === 'wasm' && activeNative() != null);
/** Activations _FusedMatMul applies itself and whose gradient is below. */
const FUSED = new Set(['relu', 'linear']);

/**
 * Under a gradient tape tfjs runs Dense as matMul + add + relu (three kernels) or, for linear, through a custom
 * gradient that computes the input's gradient even for the first layer, where nothing needs it (a whole GEMM
 * wasted). Recording the _FusedMatMul kernel directly with this gradient does the forward in one kernel, and the
 * tape asks only for the gradients it needs. The operations are tfjs's own unfused gradient's: relu's
 * dy · step(y), the bias's column sum, and the two matMuls.
 */
function registerFusedMatMulGradient(): void {
  if (tf.getGradient(tf._FusedMatMul) != null) return;
  tf.registerGradient({
    kernelName: tf._FusedMatMul,
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [a, b, y] = saved;
      const { transposeA, transposeB, activation } = attrs as unknown as tf._FusedMatMulAttrs;
      if (transposeA || transposeB || !FUSED.has(activation ?? 'linear')) {
        throw new Error(`internal error: no gradient for _FusedMatMul with transposes or activation ${activation}`);
      }
      // On wasm + native, relu's mask and the bias's column sum in one pass, with the same bits (ConvLayer.ts);
      // WORKBENCH_FUSED_CONV=0 keeps the separate ops, as for the conv layers.
      const both = activation === 'relu' && fusedConvEnabled() && tf.getKernel(BIAS_ACT_GRAD_KERNEL, tf.getBackend()) != null
        ? tf.engine().runKernel(BIAS_ACT_GRAD_KERNEL, { dy: dy as tf.Tensor, x: y, y }, { fn: RELU_MASK, bias: true }) as tf.Tensor[] : null;
      const dz = both ? both[0] : activation === 'relu' ? reluGradient(dy as tf.Tensor, y) : (dy as tf.Tensor);
      return {
        a: () => tf.matMul(dz, b, false, true),
        b: () => tf.matMul(a, dz, true, false),
        bias: () => (both ? both[1] : tf.sum(dz, 0)),
      };
    },
  });
}

/**
 * The Dense layer with that training pass. Inference takes the same path, which also adds the bias in the matmul's
 * epilogue for activations the kernel lacks (tfjs adds it in a separate pass): the same float operations, one pass
 * fewer. The class name stays "Dense" and the config is tfjs's, so a saved model loads as a plain Dense; on other
 * backends or shapes it is tfjs's Dense.
 */
let TrainingDense: (new (args: DenseArgs) => tf.layers.Layer) | null = null;
export function trainingDense(args: DenseArgs): tf.layers.Layer {
  if (!TrainingDense) {
    registerFusedMatMulGradient();
    // The package exports only the factory; the class comes from an instance (of whichever tfjs copy is loaded).
    const Base = Object.getPrototypeOf(tf.layers.dense({ units: 1, name: 'training_dense_probe' })).constructor as new (args: DenseArgs) => tf.layers.Layer;
    TrainingDense = class extends Base {
      override call(inputs: Inputs, kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        if (x.rank !== 2 || x.dtype !== 'float32' || !twoDimensional(tf.getBackend())) return super.call(inputs, kwargs);
        const self = this as unknown as DenseFields;
        return tf.tidy(() => {
          this.invokeCallHook(inputs, kwargs);
          const name = self.activation.getClassName();
          const fused = FUSED.has(name);
          const operands: tf.NamedTensorMap = { a: x, b: self.kernel.read() };
          if (self.bias) operands.bias = self.bias.read();
          const z = tf.engine().runKernel(tf._FusedMatMul, operands as never, { transposeA: false, transposeB: false, activation: fused ? name : 'linear' }) as tf.Tensor;
          return fused ? z : self.activation.apply(z);
        });
      }
    };
  }
  return new TrainingDense(args);
}

/** True for a Dense built by trainingDense (its training pass is the _FusedMatMul one above). */
export function isTrainingDense(layer: tf.layers.Layer): boolean {
  return TrainingDense != null && layer instanceof TrainingDense;
}
