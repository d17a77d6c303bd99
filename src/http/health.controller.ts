import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MinRole, Public } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import type { Store } from '../store/store.types.js';
import { DAEMON_INFO, STORE } from './tokens.js';

export interface DaemonInfo {
  name: string;
  version: string;
  instanceId: string;
  startedAt: string;
}

@ApiTags('daemon')
@Controller()
export class HealthController {
  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(DAEMON_INFO) private readonly info: DaemonInfo,
  ) {}

  @Get('health')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process is up (no auth).' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  health() {
    return { status: 'ok' };
  }

  @Get('ready')
  @MinRole('viewer')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Readiness: the store answers.' })
  async ready() {
    try {
      await this.store.ping();
    } catch (e) {
      throw new StewardError('NOT_READY', `store (${this.store.kind}) does not answer: ${(e as Error).message}`);
    }
    return { status: 'ready', store: { kind: this.store.kind, ok: true } };
  }

  @Get('version')
  @MinRole('viewer')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Build and instance information.' })
  version() {
    return { ...this.info, node: process.version, store: this.store.kind };
  }
}
