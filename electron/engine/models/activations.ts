// Model layer: Dense/Conv2D activations as one fused native kernel each way (tf.customGrad), when the backend has it.
import * as tf from '@tensorflow/tfjs';
import { ACTIVATION_GRAD_KERNEL, ACTIVATION_KERNEL, NATIVE_ACTIVATIONS } from '../backend/kernels/native/Activation.js';

/**
 * tfjs builds selu, relu6, swish, gelu… from Greater/Select/Exp/Minimum/Erf/Mul, forward and again in its autodiff
 * graph: five to ten passes over the activation. With the native kernels registered (wasm + addon), the layer's
 * activation runs as one pass forward and one backward from the saved input or output; elsewhere it is tfjs's own.
 * The object stays an instance of tfjs's class (same className), so a saved model is a plain Keras activation.
 */
interface ActivationLike {
  apply(x: tf.Tensor, ...rest: unknown[]): tf.Tensor;
  getClassName(): string;
}

const gradients = new Map<number, (x: tf.Tensor) => tf.Tensor>();

function fused(fn: number): (x: tf.Tensor) => tf.Tensor {
  let f = gradients.get(fn);
  if (!f) {
    f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      const y = tf.engine().runKernel(ACTIVATION_KERNEL, { x }, { fn }) as tf.Tensor;
      save([x, y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          tf.engine().runKernel(ACTIVATION_GRAD_KERNEL, { dy, x: saved[0], y: saved[1] }, { fn }) as tf.Tensor,
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
    gradients.set(fn, f);
  }
  return f;
}

/** True when the current backend runs `x` through the fused kernels. */
export function fusedActivationAvailable(x: tf.Tensor): boolean {
  return x.dtype === 'float32' && tf.getKernel(ACTIVATION_KERNEL, tf.getBackend()) != null
    && tf.getKernel(ACTIVATION_GRAD_KERNEL, tf.getBackend()) != null;
}

const subclasses = new Map<object, new () => ActivationLike>();

/** The native function number of a fused activation installed by fuseActivation, else null. */
export function fusedActivationFn(act: unknown): number | null {
  const a = act as ActivationLike | null;
  if (a == null || typeof a.getClassName !== 'function') return null;
  for (const Fused of subclasses.values()) if (a instanceof Fused) return NATIVE_ACTIVATIONS[a.getClassName()] ?? null;
  return null;
}

/** Swaps `layer`'s activation (Dense, Conv2D) for the fused one when one exists for it; returns the layer. */
export function fuseActivation<L extends tf.layers.Layer>(layer: L): L {
  const holder = layer as unknown as { activation?: ActivationLike };
  const act = holder.activation;
  // elu is left to tfjs's Elu/EluGrad kernels (native too): Dense and Conv2D call it through their fused ops.
  const name = act?.getClassName();
  if (act == null || name == null || name === 'elu' || !(name in NATIVE_ACTIVATIONS)) return layer;
  const Base = act.constructor as new () => ActivationLike;
  let Fused = subclasses.get(Base);
  if (!Fused) {
    const fn = NATIVE_ACTIVATIONS[name];
    Fused = class extends Base {
      override apply(x: tf.Tensor, ...rest: unknown[]): tf.Tensor {
        return fusedActivationAvailable(x) ? fused(fn)(x) : super.apply(x, ...rest);
      }
    };
    subclasses.set(Base, Fused);
  }
  holder.activation = new Fused();
  return layer;
}
