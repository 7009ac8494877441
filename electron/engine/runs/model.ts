// Engine/runs: the trained model on disk in TensorFlow.js layers format (model.json + weights.bin), as tf.io's file:// handler writes it.
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { StoreError, describe, errnoCode } from './errors.js';
import { registerCustomLayers } from '../models/noise.js';

// A stored model may hold layers tfjs lacks (SpatialDropout2D): their classes must be known before tf.loadLayersModel.
registerCustomLayers();

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** Writes weights first, then model.json: a model.json on disk always points at complete weights. */
export async function saveArtifacts(dir: string, artifacts: tf.io.ModelArtifacts, runId?: string): Promise<tf.io.SaveResult> {
  if (artifacts.modelTopology == null || artifacts.modelTopology instanceof ArrayBuffer) {
    throw new StoreError('only layers models with a JSON topology can be stored (got a binary or missing topology)', runId, path.join(dir, MODEL_JSON));
  }
  const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) modelJson.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata != null) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.modelInitializer != null) modelJson.modelInitializer = artifacts.modelInitializer;
  if (artifacts.initializerSignature != null) modelJson.initializerSignature = artifacts.initializerSignature;
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, WEIGHTS_BIN), new Uint8Array(weightData));
  await writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData }) };
}

/** Reads the files back as tf.loadLayersModel expects them; weight paths may not leave the model folder. */
export async function loadArtifacts(dir: string, runId?: string): Promise<tf.io.ModelArtifacts> {
  const jsonPath = path.join(dir, MODEL_JSON);
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
  } catch (err) {
    const what = errnoCode(err) === 'ENOENT' ? 'this run has no saved model (it did not finish training)' : describe(err);
    throw new StoreError(`could not read ${jsonPath}: ${what}`, runId, jsonPath);
  }
  if (modelJson.modelTopology == null || !Array.isArray(modelJson.weightsManifest)) {
    throw new StoreError(`${jsonPath} is not a TensorFlow.js layers model (modelTopology or weightsManifest missing)`, runId, jsonPath);
  }
  return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const buffers: ArrayBuffer[] = [];
    const specs: tf.io.WeightsManifestEntry[] = [];
    for (const group of manifest) {
      for (const p of group.paths) {
        const file = path.resolve(dir, p);
        if (path.dirname(file) !== path.resolve(dir)) {
          throw new StoreError(`${jsonPath} names weight file "${p}" outside the model folder`, runId, jsonPath);
        }
        try {
          const bytes = await fs.readFile(file);
          buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        } catch (err) {
          throw new StoreError(`could not read weights ${file}: ${describe(err)}`, runId, file);
        }
      }
      specs.push(...group.weights);
    }
    return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
  });
}
