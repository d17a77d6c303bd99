import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import { sleep } from '../../client/sisense.retry.js';
import type { SisenseClient } from '../../client/sisense.client.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { change, dryRun, label, plan } from '../../shared/plan.js';
import { datamodelRef, objectOut } from '../../shared/schemas.js';
import { buildSchema, buildsOf, buildView, FINISHED, SUCCEEDED, type BuildView } from './datamodel.builds.js';

type BuildType = 'full' | 'by_table' | 'schema_changes' | 'publish';
interface Input {
  datamodel: string;
  buildType?: BuildType;
  rowLimit?: number;
  wait?: boolean;
}

/** The model, its build type, and why a build would be refused. Reads only. */
async function check(deps: SisenseDeps, client: SisenseClient, input: Input) {
  const model = await deps.resolveDatamodel(client, input.datamodel);
  const live = model.type === 'live';
  const buildType: BuildType = input.buildType ?? (live ? 'publish' : 'full');
  const allowed = live ? ['publish'] : ['full', 'by_table', 'schema_changes'];
  if (!allowed.includes(buildType)) throw new ToolError('BUILD_TYPE_INVALID', `buildType ${buildType} does not apply to a ${live ? 'live' : 'extract'} model (use ${allowed.join(', ')})`);
  const running = (await buildsOf(client, model.oid)).find((b) => !FINISHED.has(b.status));
  if (running) throw new ToolError('BUILD_IN_PROGRESS', `a build of "${model.title}" is already ${running.status} (build ${running.oid})`, { buildId: running.oid });
  return { model, buildType };
}

/** Builds (extract) or publishes (live) a data model, waiting for the result by default. */
export const build = (deps: SisenseDeps) =>
  defineTool<Input, { datamodel: { oid: string; title: string }; build: BuildView; waited: boolean }>({
    id: 'sisense.datamodel.build',
    title: 'Build a data model',
    description:
      'Starts a build of a data model (oid or title): for an extract model (ElastiCube) buildType full (default, reloads every table), by_table or schema_changes; for a live model publish (default). ' +
      'An imported or changed extract model holds no data until it is built. With wait (default true) the tool reports progress and returns when the build is done, ' +
      'failing with BUILD_FAILED or, past the plugin\'s buildTimeoutMs, BUILD_TIMEOUT (the build goes on); wait: false returns the build id at once (see sisense.datamodel.build-status). ' +
      'Refuses with BUILD_IN_PROGRESS while another build of the model runs. rowLimit caps rows per table (for a quick test build).',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['datamodel'],
      properties: {
        datamodel: datamodelRef,
        buildType: { enum: ['full', 'by_table', 'schema_changes', 'publish'], description: 'Default: full (extract) or publish (live).' },
        rowLimit: { type: 'integer', minimum: 1, description: 'Most rows imported per table.' },
        wait: { type: 'boolean', default: true, description: 'Wait for the build to finish (true) or return its id at once (false).' },
      },
    },
    outputSchema: objectOut({ datamodel: objectOut({ oid: { type: 'string' }, title: { type: 'string' } }), build: buildSchema, waited: { type: 'boolean' } }),
    effect: 'write',
    idempotent: false,
    examples: [
      { title: 'Full build, waiting', input: { datamodel: 'Sample ECommerce' } },
      { title: 'Start a build and return', input: { datamodel: 'Retail Sales', buildType: 'by_table', wait: false } },
    ],
    plan: (input, ctx) =>
      dryRun(deps, ctx, 'build', `data model ${input.datamodel}`, async (client) => {
        const { model, buildType } = await check(deps, client, input);
        return plan('build', [change('update', label.datamodel(model), `${buildType} build${input.rowLimit ? `, at most ${input.rowLimit} rows per table` : ''}`)]);
      }),
    handler: (input, ctx) =>
      deps.withClient(ctx, async (client) => {
        const { model, buildType } = await check(deps, client, input);
        const body = { datamodelId: model.oid, buildType, ...(input.rowLimit && { rowLimit: input.rowLimit }) };
        let current = buildView(await client.post('/api/v2/builds', body));
        const out = { datamodel: { oid: model.oid, title: model.title } };
        if (input.wait === false) return { ...out, build: current, waited: false };
        const started = Date.now();
        for (let poll = 1; !FINISHED.has(current.status); poll++) {
          ctx.progress({ progress: poll, message: `build ${current.oid} of "${model.title}": ${current.status}` });
          if (Date.now() - started > deps.settings.buildTimeoutMs) throw new ToolError('BUILD_TIMEOUT', `the build of "${model.title}" did not finish within ${deps.settings.buildTimeoutMs} ms; it goes on (build ${current.oid})`, { buildId: current.oid, status: current.status });
          await sleep(deps.settings.buildPollMs, ctx.signal);
          current = buildView(await client.get(`/api/v2/builds/${current.oid}`));
        }
        if (!SUCCEEDED.has(current.status)) throw new ToolError('BUILD_FAILED', `the ${buildType} build of "${model.title}" ended ${current.status} (build ${current.oid})`, { buildId: current.oid, status: current.status });
        return { ...out, build: current, waited: true };
      }),
  });
