import { type DynamicModule, Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module.js';
import { SCHEDULE_OPTIONS, ScheduleService, type ScheduleOptions } from './schedule.service.js';
import { SchedulesController } from './schedules.controller.js';

/** Schedules: the scheduler, GET /schedules, pause/resume/trigger, POST /reload. */
@Module({})
export class ScheduleModule {
  static forRoot(options: ScheduleOptions): DynamicModule {
    return {
      module: ScheduleModule,
      imports: [RunsModule],
      controllers: [SchedulesController],
      providers: [{ provide: SCHEDULE_OPTIONS, useValue: options }, ScheduleService],
      exports: [ScheduleService],
    };
  }
}
