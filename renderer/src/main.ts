// Renderer entry: creates the app, connects the host (Electron or WebSocket) and loads what every view needs.
import { createApp } from 'vue';
import { z } from 'zod';
import { createPinia } from 'pinia';
import App from './App.vue';
import './styles/main.css';
import { api } from './api/host.js';
import { useSettingsStore } from './stores/settings.js';
import { useRunsStore } from './stores/runs.js';
import { useDatasetStore } from './stores/dataset.js';
import { useModelsStore } from './stores/models.js';
import { listenToShell } from './shellCommands.js';

// No eval under CSP script-src 'self': zod must not even probe for `new Function`.
z.config({ jitless: true });

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);

const settings = useSettingsStore(pinia);
const runs = useRunsStore(pinia);
const dataset = useDatasetStore(pinia);
const models = useModelsStore(pinia);

api().onEvent((e) => {
  if (e.kind === 'dataProgress') dataset.onProgress(e.progress);
});
void settings.load();
void runs.init();
void models.loadPresets();
listenToShell();

app.mount('#app');
