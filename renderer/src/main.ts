// Renderer entry: creates the app, connects the host (Electron or WebSocket) and loads what every view needs.
import { createApp } from 'vue';
import { z } from 'zod';
import { createPinia } from 'pinia';
import App from './App.vue';
import './styles/main.css';
import { api, host } from './api/host.js';
import { useSettingsStore } from './stores/settings.js';
import { useRunsStore } from './stores/runs.js';
import { useDatasetStore } from './stores/dataset.js';
import { useInsightStore } from './stores/insight.js';
import { useModelsStore } from './stores/models.js';
import { listenToShell } from './shellCommands.js';

// No eval under CSP script-src 'self': zod must not even probe for `new Function`.
z.config({ jitless: true });

/** A page that cannot reach the engine (no token) says how to get in, instead of showing views that all fail. */
function showProblem(message: string): void {
  const box = document.createElement('main');
  box.className = 'notice warn';
  box.setAttribute('role', 'alert');
  box.dataset.testid = 'host-problem';
  box.style.margin = '2rem';
  const title = document.createElement('h1');
  title.textContent = 'Fashion-MNIST Workbench';
  const text = document.createElement('p');
  text.textContent = message;
  box.append(title, text);
  document.getElementById('app')?.replaceChildren(box);
}

function start(): void {
  const app = createApp(App);
  const pinia = createPinia();
  app.use(pinia);

  const settings = useSettingsStore(pinia);
  const runs = useRunsStore(pinia);
  const dataset = useDatasetStore(pinia);
  const models = useModelsStore(pinia);

  api().onEvent((e) => {
    if (e.kind === 'dataProgress') dataset.onProgress(e.progress);
    if (e.kind === 'insightProgress') useInsightStore(pinia).onProgress(e.progress);
  });
  void settings.load();
  void runs.init();
  void models.loadPresets();
  listenToShell();

  app.mount('#app');
}

const problem = host().problem;
if (problem) showProblem(problem);
else start();
