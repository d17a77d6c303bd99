import { Global, Module } from '@nestjs/common';
import { FindingsController } from './findings.controller.js';
import { FindingsService } from './findings.service.js';

/** Findings history: global, so the run report can show a run's findings against its baseline. */
@Global()
@Module({
  providers: [FindingsService],
  controllers: [FindingsController],
  exports: [FindingsService],
})
export class FindingsModule {}
