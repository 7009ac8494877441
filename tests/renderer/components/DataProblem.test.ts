// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import DataProblem from '../../../renderer/src/components/DataProblem.vue';

// The engine's text as locate.ts writes it for the command line; the GUI must not repeat its flags or shell commands.
const CLI_TEXT =
  '--data-dir /tmp/empty: missing train-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]. To get the data: install the Debian/Ubuntu package ' +
  '(sudo apt-get install dataset-fashion-mnist), or pass --data-dir DIR (the data-folder setting in the app), or set FASHION_MNIST_DIR=DIR; or allow the download.';

const base = { chosenDir: '/tmp/empty', downloadFailed: false, engineMessage: CLI_TEXT, busy: false, canChoose: false };

describe('DataProblem', () => {
  it('speaks in the GUI\'s terms: the chosen folder, what it lacks, and buttons instead of flags', () => {
    const w = mount(DataProblem, { props: base });
    const text = w.text();
    expect(text).toContain('The chosen data folder does not hold Fashion-MNIST');
    expect(text).toContain('/tmp/empty: missing train-images-idx3-ubyte, t10k-labels-idx1-ubyte');
    for (const cli of ['--data-dir', 'sudo', 'apt-get', 'allow the download', 'FASHION_MNIST_DIR']) expect(text).not.toContain(cli);
    expect(w.get('[data-testid=data-problem-download]').text()).toMatch(/^Download Fashion-MNIST/);
    expect(w.get('[data-testid=data-problem-choose]').text()).toBe('Enter a folder below');
    expect(w.get('[data-testid=data-problem-debian]').text()).toContain('dataset-fashion-mnist');
  });

  it('emits the actions its buttons name', async () => {
    const w = mount(DataProblem, { props: { ...base, canChoose: true } });
    expect(w.get('[data-testid=data-problem-choose]').text()).toBe('Choose a folder…');
    await w.get('[data-testid=data-problem-download]').trigger('click');
    await w.get('[data-testid=data-problem-choose]').trigger('click');
    await w.get('[data-testid=data-problem-usual]').trigger('click');
    expect(Object.keys(w.emitted())).toEqual(expect.arrayContaining(['download', 'choose', 'searchUsual']));
  });

  it('says so when the folder has none of the files', () => {
    const all = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map((f) => `${f}[.gz]`).join(', ');
    const w = mount(DataProblem, { props: { ...base, engineMessage: `--data-dir /tmp/empty: missing ${all}. To get the data: …` } });
    expect(w.text()).toContain('/tmp/empty: none of the four files is there.');
  });

  it('names a failed download with its reason, and the usual places when no folder is chosen', () => {
    const failed = mount(DataProblem, {
      props: { ...base, chosenDir: null, downloadFailed: true, engineMessage: 'Fashion-MNIST not found and the download failed: getaddrinfo ENOTFOUND example.org\nSearched: …' },
    });
    expect(failed.get('[data-testid=data-problem-title]').text()).toBe('The download of Fashion-MNIST failed');
    expect(failed.text()).toContain('getaddrinfo ENOTFOUND example.org');
    expect(failed.find('[data-testid=data-problem-usual]').exists()).toBe(false);
    const none = mount(DataProblem, { props: { ...base, chosenDir: null, engineMessage: 'Fashion-MNIST not found. Searched: …' } });
    expect(none.get('[data-testid=data-problem-title]').text()).toBe('Fashion-MNIST was not found on this computer');
    expect(none.text()).toContain('/usr/share/datasets/fashion-mnist');
  });
});
