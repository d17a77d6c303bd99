import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MinRole } from '../auth/roles.js';
import { REDACTOR } from '../http/tokens.js';
import { Redactor } from '../logging/redactor.js';
import { PluginCatalogue } from './plugin.catalogue.js';
import { PLUGIN_CATALOGUE } from './plugins.tokens.js';

@ApiTags('plugins')
@ApiBearerAuth()
@Controller('plugins')
export class PluginsController {
  constructor(
    @Inject(PLUGIN_CATALOGUE) private readonly catalogue: PluginCatalogue,
    @Optional() @Inject(REDACTOR) private readonly redactor?: Redactor,
  ) {}

  @Get()
  @MinRole('viewer')
  @ApiOperation({
    summary: 'Every discovered plugin: loaded, disabled or failed (with the reason), and its tool count; for `mcp`, each external MCP server and its live status.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        plugins: [
          { id: 'demo', version: '0.1.0', status: 'loaded', kinds: ['demo'], modules: ['util'], toolCount: 3 },
          {
            id: 'mcp',
            status: 'loaded',
            modules: ['everything'],
            toolCount: 12,
            servers: [{ name: 'everything', transport: 'stdio', status: 'connected', restarts: 0, tools: ['mcp.everything.echo'], pid: 4242 }],
          },
        ],
      },
    },
  })
  list() {
    const plugins = this.catalogue.plugins().map((p) => ({
      id: p.id,
      version: p.version,
      description: p.description,
      status: p.status,
      ...(p.reason && { reason: p.reason }),
      ...(p.errors && { errors: p.errors }),
      dir: p.dir,
      kinds: p.kinds,
      modules: p.modules,
      toolCount: p.tools.length,
      ...(p.filteredTools.length > 0 && { filteredTools: p.filteredTools }),
      ...(p.servers && { servers: p.servers }),
    }));
    // Reasons quote what failed (a server's last stderr line, a path): never let a secret through.
    return { plugins: this.redactor ? this.redactor.redact(plugins) : plugins };
  }
}
