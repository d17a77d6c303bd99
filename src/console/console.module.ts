import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller.js';
import { ConsoleSessionService } from './console-session.service.js';

/** The web console (/console): its pages and assets, and the sign-in sessions the auth middleware accepts. */
@Module({
  providers: [ConsoleSessionService],
  controllers: [ConsoleController],
  exports: [ConsoleSessionService],
})
export class ConsoleModule {}
