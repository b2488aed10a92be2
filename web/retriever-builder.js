/**
 * @module web/retriever-builder
 * Edit a stage pipeline as JSON (start from a saved retriever or a hybrid
 * search template), run it ad hoc, see the documents and each stage's
 * duration and in/out counts as small bar charts, and save it by name.
 */
import { h, clear, attempt, toast, bar, formatMs, pretty, clipWords } from './dom.js';
import { showDocument } from './event-cards.js';

const TEMPLATE_STAGES = [
  {
    stage_name: 'hybrid_search',
    stage_type: 'filter',
    config: {
      stage_id: 'feature_search',
      parameters: {
        searches: [
          {
            feature_uri: 'mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1',
            query: { input_mode: 'text', value: '{{INPUT.query}}' },
            top_k: 100,
          },
          {
            feature_uri: 'mixpeek://text_extractor@v1/text',
            query: { input_mode: 'text', value: '{{INPUT.query}}' },
            top_k: 100,
          },
        ],
        fusion: 'rrf',
        final_top_k: 50,
      },
    },
  },
  { stage_name: 'top_results', stage_type: 'reduce', config: { stage_id: 'limit', parameters: { limit: 10 } } },
];

export function createRetrieverBuilder(context, root) {
  const { client } = context;
  const template = h('select', { testid: 'builder-template', onchange: () => loadTemplate(template.value) });
  const collections = h('input', { testid: 'builder-collections', placeholder: 'collection names, comma separated' });
  const stages = h('textarea.code-input', { rows: 16, testid: 'builder-stages', spellcheck: 'false' });
  const inputs = h('textarea.code-input', {
    rows: 3,
    testid: 'builder-inputs',
    spellcheck: 'false',
    value: pretty({ query: 'machine learning for beginners' }),
  });
  const run = h('button.primary', { testid: 'builder-run', onclick: execute }, '▶ Run');
  const name = h('input', { placeholder: 'retriever name', testid: 'builder-name' });
  const save = h('button', { testid: 'builder-save', onclick: saveRetriever }, 'Save as retriever');
  const output = h(
    'div.builder-output',
    { testid: 'builder-output' },
    h('p.muted', {}, 'Run the pipeline to see documents and per-stage statistics.'),
  );
  const stageList = h('details.stage-catalog', {}, h('summary', {}, 'Available stages'));

  clear(
    root,
    h(
      'div.builder-layout',
      {},
      h(
        'div.builder-form',
        {},
        h('h2', {}, 'Retriever builder'),
        h('label', {}, 'Start from', template),
        h('label', {}, 'Collections', collections),
        h('label', {}, 'Stages (JSON)', stages),
        h('label', {}, 'Inputs (JSON)', inputs),
        h('div.row', {}, run, name, save),
        stageList,
      ),
      output,
    ),
  );

  let saved = [];
  async function refresh() {
    const [list, catalogue, collectionPage] = await Promise.all([
      attempt(() => client.retrievers.list({}, { limit: 100 })),
      attempt(() => client.retrievers.stages()),
      attempt(() => client.collections.list({}, { limit: 100 })),
    ]);
    saved = list?.results ?? [];
    clear(
      template,
      h('option', { value: '' }, 'Hybrid search template'),
      saved.map((retriever) => h('option', { value: retriever.retriever_id }, retriever.retriever_name)),
    );
    if (!stages.value) {
      stages.value = pretty(TEMPLATE_STAGES);
      // Start where the data is: the collection with the most documents.
      const largest = [...(collectionPage?.results ?? [])].sort(
        (a, b) => (b.document_count ?? 0) - (a.document_count ?? 0),
      )[0];
      collections.value = largest?.collection_name ?? '';
    }
    clear(
      stageList,
      h('summary', {}, `Available stages (${catalogue?.length ?? 0})`),
      h(
        'ul.stage-list',
        {},
        (catalogue ?? []).map((stage) =>
          h('li', {}, h('code', {}, stage.stage_id), h('span.chip', {}, stage.category), ' ', stage.description),
        ),
      ),
    );
  }

  function loadTemplate(retrieverId) {
    const retriever = saved.find((candidate) => candidate.retriever_id === retrieverId);
    stages.value = pretty(retriever ? retriever.stages : TEMPLATE_STAGES);
    if (retriever) collections.value = (retriever.collection_ids ?? []).join(', ');
  }

  function pipeline() {
    return {
      collection_identifiers: collections.value
        .split(',')
        .map((value) => value.trim())
        .filter(Boolean),
      stages: JSON.parse(stages.value),
    };
  }

  async function execute() {
    run.disabled = true;
    const result = await attempt(async () =>
      client.retrievers.executeAdhoc({ ...pipeline(), inputs: JSON.parse(inputs.value || '{}') }),
    );
    run.disabled = false;
    if (result) render(result);
  }

  function render(result) {
    const statistics = Object.entries(result.stage_statistics?.stages ?? {});
    const longest = Math.max(1, ...statistics.map(([, stage]) => stage.duration_ms));
    const most = Math.max(1, ...statistics.flatMap(([, stage]) => [stage.input_count, stage.output_count]));
    clear(
      output,
      h('h3', {}, `${result.documents.length} documents · ${formatMs(result.stage_statistics?.total_time_ms)}`),
      h(
        'div.chart',
        { testid: 'stage-chart' },
        h('h4', {}, 'Duration per stage'),
        statistics.map(([stageName, stage]) =>
          bar(stageName, stage.duration_ms, longest, formatMs(stage.duration_ms), 'stage-duration-bar'),
        ),
        h('h4', {}, 'Documents in → out'),
        statistics.map(([stageName, stage]) =>
          bar(stageName, stage.output_count, most, `${stage.input_count} → ${stage.output_count}`, 'stage-count-bar'),
        ),
      ),
      h(
        'ol.doc-list',
        { testid: 'builder-results' },
        result.documents.map((document) =>
          h(
            'li.doc',
            {},
            h(
              'button.link.doc-title',
              { onclick: () => showDocument(context, document.document_id, document.collection_id) },
              String(document.title ?? document.name ?? document.document_id),
            ),
            h('span.score', {}, Number(document.score ?? 0).toFixed(4)),
            h('p.snippet', { testid: 'builder-snippet' }, clipWords(document.description ?? document.text ?? '', 220)),
          ),
        ),
      ),
    );
  }

  async function saveRetriever() {
    const retrieverName = name.value.trim();
    if (!retrieverName) return toast('Type a name for the retriever first.');
    const retriever = await attempt(async () =>
      client.retrievers.create({
        ...pipeline(),
        retriever_name: retrieverName,
        input_schema: { query: { type: 'string', required: true } },
      }),
    );
    if (retriever) {
      toast(`Saved retriever “${retriever.retriever_name}”`, 'info');
      await refresh();
    }
  }

  return { refresh };
}
