// The machine and software a run used: recorded with every run and shown in reports.
import os from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import pkg from '../../package.json' with { type: 'json' };
import type { Environment } from '../../shared/run.js';

export const APP_VERSION: string = pkg.version;

export function collectEnvironment(): Environment {
  const cpus = os.cpus();
  return {
    appVersion: APP_VERSION,
    tfjsVersion: tf.version.tfjs,
    nodeVersion: process.versions.node,
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})${distro()}`,
    cpu: cpus[0]?.model?.trim() || os.arch(),
    cpuCount: cpus.length,
    gpu: detectGpu(),
  };
}

function distro(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const m = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(text);
    return m ? `, ${m[1]}` : '';
  } catch {
    return '';
  }
}

/** Only NVIDIA GPUs matter to the tfjs-node-gpu backend; the driver exposes them under /proc. */
function detectGpu(): string | null {
  const dir = '/proc/driver/nvidia/gpus';
  if (!existsSync(dir)) return null;
  return 'NVIDIA GPU (driver present)';
}
