// Engine/explain: explanations computed in the calling thread, for command-line tools (the report CLI) that have no
// event loop to keep free; the app goes through ExplainService's worker instead.
import type { ExplainRequest, ExplainResponse } from '../../../shared/explain.js';
import type { FashionMnist } from '../data/dataset.js';
import type { RunStore } from '../runs/store.js';
import { selectBackend } from '../backend/select.js';
import { explainRun } from './job.js';

export function explainInProcess(store: RunStore, ds: FashionMnist): (request: ExplainRequest) => Promise<ExplainResponse> {
  return async (request) => {
    await selectBackend('auto');
    const { details: _details, ...response } = await explainRun({ store, data: async () => ds }, request);
    return response;
  };
}
