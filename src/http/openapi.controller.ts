import { Controller, Get, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { MinRole } from '../auth/roles.js';
import { OPENAPI_DOCUMENT } from './tokens.js';

/** Serves the OpenAPI document generated from the controllers at start. */
@ApiExcludeController()
@Controller()
export class OpenApiController {
  constructor(@Inject(OPENAPI_DOCUMENT) private readonly holder: { document?: object }) {}

  @Get('openapi.json')
  @MinRole('viewer')
  document() {
    return this.holder.document;
  }
}
