import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { MinRole } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import { EFFECTS, type Effect } from '../plugins/plugin-api.js';
import { PluginCatalogue } from '../plugins/plugin.catalogue.js';
import { PLUGIN_CATALOGUE } from '../plugins/plugins.tokens.js';
import { toRegistryEntry } from './registry.builder.js';

@ApiTags('tools')
@ApiBearerAuth()
@Controller('tools')
export class ToolsController {
  constructor(@Inject(PLUGIN_CATALOGUE) private readonly catalogue: PluginCatalogue) {}

  @Get()
  @MinRole('viewer')
  @ApiOperation({ summary: 'The tools available now (as in the registry), sorted by id, optionally filtered.' })
  @ApiQuery({ name: 'plugin', required: false })
  @ApiQuery({ name: 'module', required: false })
  @ApiQuery({ name: 'effect', required: false, enum: EFFECTS })
  list(@Query('plugin') plugin?: string, @Query('module') module?: string, @Query('effect') effect?: string) {
    if (effect !== undefined && !EFFECTS.includes(effect as Effect)) {
      throw new StewardError('VALIDATION_FAILED', `effect must be one of: ${EFFECTS.join(', ')}`, { errors: [{ path: 'effect', message: `must be one of: ${EFFECTS.join(', ')}` }] });
    }
    return { tools: this.catalogue.tools({ plugin, module, effect: effect as Effect | undefined }).map(toRegistryEntry) };
  }

  @Get(':id')
  @MinRole('viewer')
  @ApiOperation({ summary: 'One tool by canonical id (demo.util.echo) or MCP wire name (demo__util__echo).' })
  get(@Param('id') id: string) {
    return toRegistryEntry(this.catalogue.byWireName(id) ?? this.catalogue.require(id));
  }
}
