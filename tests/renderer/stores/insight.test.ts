// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { useInsightStore } from '../../../renderer/src/stores/insight.js';
import { installFakeApi } from '../fakeApi.js';

describe('insight store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('asks once per run for calibration, keeps it, and shows progress only while it is computed', async () => {
    let release: (v: unknown) => void = () => undefined;
    const fake = installFakeApi({ getCalibration: () => new Promise((r) => (release = r)) });
    const s = useInsightStore();
    const first = s.loadCalibration('r1');
    const second = s.loadCalibration('r1');
    s.onProgress({ runId: 'r1', task: 'calibration', stage: 'test predictions', fraction: 0.5 });
    s.onProgress({ runId: 'r2', task: 'calibration', stage: 'stray', fraction: 0.5 });
    expect(s.progress[s.key('r1', 'calibration')]?.fraction).toBe(0.5);
    expect(s.progress[s.key('r2', 'calibration')]).toBeUndefined();
    release({ runId: 'r1', ece: 0.01 });
    await Promise.all([first, second]);
    expect(fake.calls.getCalibration).toHaveBeenCalledTimes(1);
    expect(s.progress[s.key('r1', 'calibration')]).toBeUndefined();
    await s.loadCalibration('r1');
    expect(fake.calls.getCalibration).toHaveBeenCalledTimes(1);
  });

  it('keeps the error of a failed computation per run and task, and tries again on the next request', async () => {
    let fail = true;
    installFakeApi({ getEmbedding: () => (fail ? Promise.reject(new Error('run r1 is failed: embedding pca needs a finished run')) : Promise.resolve({ x: [1] })) });
    const s = useInsightStore();
    await expect(s.loadEmbedding('r1', 'pca')).rejects.toThrow(/needs a finished run/);
    expect(s.errors[s.key('r1', 'embedding-pca')]).toMatch(/needs a finished run/);
    fail = false;
    await s.loadEmbedding('r1', 'pca');
    expect(s.errors[s.key('r1', 'embedding-pca')]).toBeUndefined();
    expect(s.embeddings[s.key('r1', 'embedding-pca')]).toEqual({ x: [1] });
  });

  it('reloads histograms when asked to refresh (a training run grows by an epoch)', async () => {
    let n = 0;
    const fake = installFakeApi({ getTrainingHistograms: () => ({ epochs: new Array(++n) }) });
    const s = useInsightStore();
    await s.loadHistograms('r1');
    await s.loadHistograms('r1');
    expect(fake.calls.getTrainingHistograms).toHaveBeenCalledTimes(1);
    await s.loadHistograms('r1', true);
    expect(s.histograms.r1?.epochs).toHaveLength(2);
  });
});
