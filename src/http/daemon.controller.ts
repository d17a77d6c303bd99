import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { MinRole, type Principal } from '../auth/roles.js';
import { CONFIG, type StewardConfig } from '../config/config.types.js';
import { Redactor } from '../logging/redactor.js';
import { REDACTOR } from './tokens.js';

@ApiTags('daemon')
@ApiBearerAuth()
@Controller()
export class DaemonController {
  constructor(
    @Inject(CONFIG) private readonly config: StewardConfig,
    @Inject(REDACTOR) private readonly redactor: Redactor,
  ) {}

  @Get('whoami')
  @MinRole('viewer')
  @ApiOperation({ summary: 'The calling token: its name and role.' })
  whoami(@CurrentPrincipal() p: Principal) {
    return { name: p.name, role: p.role };
  }

  @Get('config')
  @MinRole('admin')
  @ApiOperation({ summary: 'The effective configuration, with every secret redacted (admin).' })
  effectiveConfig() {
    return this.redactor.redact(this.config);
  }
}
