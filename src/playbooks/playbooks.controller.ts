import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MinRole } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import { detail, summary } from './playbook.views.js';
import { PlaybooksService } from './playbooks.service.js';

const DIAGNOSTIC_EXAMPLE = { file: 'playbooks/migrate.yaml', line: 12, col: 9, message: 'steps[1].tool: unknown tool "sisense.dash.list"', severity: 'error' };

@ApiTags('playbooks')
@ApiBearerAuth()
@Controller('playbooks')
export class PlaybooksController {
  constructor(private readonly playbooks: PlaybooksService) {}

  @Get()
  @MinRole('viewer')
  @ApiOperation({ summary: 'The valid playbooks (sorted by id) and the problems of the invalid files, each as file:line:col.' })
  @ApiOkResponse({ schema: { example: { playbooks: [{ id: 'migrate-dashboards', labels: {}, file: 'playbooks/migrate.yaml', inputs: [], environments: [{ name: 'target', kind: 'sisense' }], steps: [{ id: 'list', kind: 'tool', tool: 'sisense.dashboard.list' }], outputs: [] }], diagnostics: [DIAGNOSTIC_EXAMPLE] } } })
  list() {
    return { playbooks: this.playbooks.list().map(summary), diagnostics: this.playbooks.diagnostics() };
  }

  @Get(':id')
  @MinRole('viewer')
  @ApiOperation({ summary: 'One playbook: summary, the JSON Schema of its run inputs, and the validated document.' })
  @ApiNotFoundResponse({ description: 'PLAYBOOK_NOT_FOUND (problem+json)' })
  get(@Param('id') id: string) {
    return detail(this.playbooks.get(id));
  }

  @Post('validate')
  @HttpCode(200)
  @MinRole('viewer')
  @ApiOperation({
    summary: 'Validates playbook YAML like `steward validate`. Answers 200 whether or not it is valid: `valid` and the diagnostics say which.',
  })
  @ApiBody({ schema: { type: 'object', required: ['yaml'], properties: { yaml: { type: 'string' }, file: { type: 'string', description: 'Name used in diagnostics (default playbook.yaml).' } } } })
  @ApiOkResponse({ schema: { example: { valid: false, diagnostics: [DIAGNOSTIC_EXAMPLE] } } })
  validate(@Body() body: unknown) {
    const { yaml, file } = (body ?? {}) as { yaml?: unknown; file?: unknown };
    const errors = [
      ...(typeof yaml !== 'string' ? [{ path: 'yaml', message: 'is required: the playbook YAML as a string' }] : []),
      ...(file !== undefined && (typeof file !== 'string' || file.length === 0 || file.length > 500) ? [{ path: 'file', message: 'must be a non-empty string (at most 500 characters)' }] : []),
    ];
    if (errors.length > 0) throw new StewardError('VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
    const { valid, diagnostics } = this.playbooks.validate(yaml as string, file as string | undefined);
    return { valid, diagnostics };
  }
}
