import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { MinRole, type Principal } from '../auth/roles.js';
import { StewardError } from '../common/errors.js';
import { ScheduleService } from './schedule.service.js';
import { iso } from '../common/time.js';


@ApiTags('schedules')
@ApiBearerAuth()
@Controller()
export class SchedulesController {
  constructor(@Inject(ScheduleService) private readonly schedules: ScheduleService) {}

  @Get('schedules')
  @MinRole('viewer')
  @ApiOperation({ summary: 'Every schedule (playbook:<id> and config:<name>): definition, paused, next fire times, last fire and last run; problems of the last load or reload.' })
  list() {
    return this.schedules.list();
  }

  @Get('schedules/:id')
  @MinRole('viewer')
  @ApiOperation({ summary: 'One schedule with its 20 latest fires (started, skipped, waiting, missed, failed, each with its reason).' })
  async get(@Param('id') id: string) {
    const s = await this.schedules.get(id);
    if (!s) throw new StewardError('SCHEDULE_NOT_FOUND', `no schedule "${id}" (ids are playbook:<playbook id> or config:<name>; see GET /schedules)`);
    return s;
  }

  @Post('schedules/:id/pause')
  @HttpCode(200)
  @MinRole('operator')
  @ApiOperation({ summary: 'Pause: no fires until resumed (fire times that pass meanwhile are not caught up). Survives restarts.' })
  async pause(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    const st = await this.schedules.pause(id, who);
    return { id, paused: st.paused, pausedBy: st.paused_by, pausedAt: iso(st.paused_at) };
  }

  @Post('schedules/:id/resume')
  @HttpCode(200)
  @MinRole('operator')
  @ApiOperation({ summary: 'Resume a paused schedule from now.' })
  async resume(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    const st = await this.schedules.resume(id, who);
    return { id, paused: st.paused };
  }

  @Post('schedules/:id/trigger')
  @HttpCode(202)
  @MinRole('operator')
  @ApiOperation({ summary: 'Fire now, once per environment binding, as the caller (the overlap policy applies): 202 with each fire and its run.' })
  async trigger(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    return { id, fires: await this.schedules.trigger(id, who) };
  }

  @Post('reload')
  @HttpCode(200)
  @MinRole('admin')
  @ApiOperation({
    summary:
      'Reload playbooks and the schedules of steward.yaml from disk. Valid changes apply; a schedule whose new version is invalid keeps its previous one. ok=false lists every problem as file:line:col.',
  })
  reload(@CurrentPrincipal() who: Principal) {
    return this.schedules.reload(`api (${who.name})`);
  }
}
