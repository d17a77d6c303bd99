import { defineTool, ToolError } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { arrayOf, datamodelRef, objectOut } from '../../shared/schemas.js';
import { buildSchema, buildsOf, buildView, type BuildView } from './datamodel.builds.js';

/** One build by id, or the recent builds of a model. */
export const buildStatus = (deps: SisenseDeps) =>
  defineTool<{ build?: string; datamodel?: string; limit?: number }, { builds: BuildView[] }>({
    id: 'sisense.datamodel.build-status',
    title: 'Get build status',
    description:
      'Reports build status: give build (the id sisense.datamodel.build returned) for that build, or datamodel (oid or title) for its most recent builds, newest first. ' +
      'status is building / pending while it runs, then done, failed or cancelled.',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      // One of build or datamodel, checked by the handler: a top-level oneOf is refused by some hosts' tool APIs.
      properties: {
        build: { type: 'string', minLength: 1, maxLength: 100, description: 'A build id.' },
        datamodel: datamodelRef,
        limit: { type: 'integer', minimum: 1, maximum: 100, default: 5, description: 'Most builds listed for a data model.' },
      },
    },
    outputSchema: objectOut({ builds: arrayOf(buildSchema) }),
    effect: 'read',
    idempotent: true,
    examples: [{ title: 'Recent builds of a model', input: { datamodel: 'Sample ECommerce' } }],
    handler: (input, ctx) => {
      if ((input.build === undefined) === (input.datamodel === undefined)) {
        throw new ToolError('TOOL_INPUT_INVALID', 'give exactly one of build (a build id) or datamodel (oid or title)');
      }
      return deps.withClient(ctx, async (client) => {
        if (input.build) {
          try {
            return { builds: [buildView(await client.get(`/api/v2/builds/${encodeURIComponent(input.build)}`))] };
          } catch (e) {
            const status = (e as { status?: number }).status;
            if (status === 404) throw new ToolError('NOT_FOUND', `no build ${input.build}`, { kind: 'build', ref: input.build, candidates: [] });
            throw e;
          }
        }
        const model = await deps.resolveDatamodel(client, input.datamodel ?? '');
        return { builds: (await buildsOf(client, model.oid)).slice(0, input.limit ?? 5) };
      });
    },
  });
