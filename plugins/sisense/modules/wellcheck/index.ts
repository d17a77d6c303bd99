import type { AnyToolDefinition } from '../../../../src/plugins/plugin-api.js';
import type { SisenseDeps } from '../../shared/deps.js';
import { wellcheckAccess } from './access.tool.js';
import { wellcheckDashboards } from './dashboards.tool.js';
import { wellcheckDatamodels } from './datamodels.tool.js';

/** Read-only governance checks of one deployment, each returning findings (check, asset, severity, message, detail). */
export function wellcheckTools(deps: SisenseDeps): AnyToolDefinition[] {
  return [wellcheckDashboards(deps), wellcheckDatamodels(deps), wellcheckAccess(deps)] as AnyToolDefinition[];
}
