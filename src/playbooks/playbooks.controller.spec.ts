import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module, type INestApplication } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import { fakeLookup } from '../../test/fixtures/playbooks/fake-tools.js';
import { CONFIG } from '../config/config.types.js';
import { ProblemFilter } from '../http/problem.filter.js';
import { LOGGER } from '../http/tokens.js';
import { formatDiagnostic, type Diagnostic } from './diagnostics.js';
import { PlaybooksModule } from './playbooks.module.js';
import { PlaybooksService } from './playbooks.service.js';
import { TOOL_LOOKUP } from './playbooks.tokens.js';
import { validateCommand } from './validate.command.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/playbooks');
const fixture = (rel: string) => readFileSync(join(FIXTURES, rel), 'utf8');

@Module({})
class HostModule {}

describe('PlaybooksController (in-process HTTP)', () => {
  let app: INestApplication;
  const config = { environments: { 'prod-sisense': { kind: 'sisense' } }, playbooks: { dirs: ['good', 'dup'] } };

  beforeAll(async () => {
    app = await NestFactory.create(
      {
        module: HostModule,
        global: true,
        imports: [PlaybooksModule.forRoot({ baseDir: FIXTURES, builtinDir: null })],
        providers: [
          { provide: CONFIG, useValue: config },
          { provide: LOGGER, useValue: pino({ level: 'silent' }) },
          { provide: TOOL_LOOKUP, useValue: fakeLookup() },
          { provide: APP_FILTER, useClass: ProblemFilter },
        ],
        exports: [CONFIG, LOGGER, TOOL_LOOKUP],
      },
      { logger: false },
    );
    await app.init();
  });
  afterAll(async () => app.close());

  it('GET /playbooks lists the valid playbooks and the problems of the others', async () => {
    const res = await request(app.getHttpServer()).get('/playbooks').expect(200);
    expect(res.body.playbooks.map((p: { id: string }) => p.id)).toEqual(['migrate-dashboards', 'unique', 'widget-governance']);
    expect(res.body.playbooks[0]).toMatchObject({
      file: 'good/migrate-dashboards.yaml',
      environments: [{ name: 'source', kind: 'sisense' }, { name: 'target', kind: 'sisense' }],
      steps: [
        { id: 'list', kind: 'tool', tool: 'sisense.dashboard.list' },
        { id: 'widgets', kind: 'check', name: 'Dashboards to migrate stay small' },
        { id: 'approve', kind: 'approval' },
        { id: 'copy', kind: 'foreach', steps: [{ id: 'export', kind: 'tool' }, { id: 'import', kind: 'tool' }] },
      ],
      outputs: ['copied', 'findings'],
    });
    expect(res.body.playbooks[2].schedule).toEqual({ cron: '0 0 6 * * MON-FRI', timezone: 'Europe/Berlin', enabled: true });
    expect(res.body.diagnostics.map((d: Diagnostic) => formatDiagnostic(d))).toEqual([
      'dup/a.yaml:4:9: metadata.name: duplicate playbook id "same-name" (also in dup/nested/b.yml:3:19)',
      'dup/nested/b.yml:3:19: metadata.name: duplicate playbook id "same-name" (also in dup/a.yaml:4:9)',
    ]);
  });

  it('GET /playbooks/{id} shows one playbook with its input schema and definition', async () => {
    const res = await request(app.getHttpServer()).get('/playbooks/migrate-dashboards').expect(200);
    expect(res.body.inputSchema.required).toEqual(['names']);
    expect(res.body.definition.metadata.name).toBe('migrate-dashboards');
    expect(res.body.definition.steps[1].check.assert[0].that).toBe('size(dashboard.widgets) <= inputs.maxWidgets');
  });

  it('GET /playbooks/{id} answers 404 PLAYBOOK_NOT_FOUND as problem+json', async () => {
    const res = await request(app.getHttpServer()).get('/playbooks/same-name').expect(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'PLAYBOOK_NOT_FOUND', detail: 'no playbook "same-name" (some playbook files are invalid: see GET /playbooks)' });
  });

  it('POST /playbooks/validate accepts a valid playbook', async () => {
    const res = await request(app.getHttpServer()).post('/playbooks/validate').send({ yaml: fixture('good/migrate-dashboards.yaml') }).expect(200);
    expect(res.body).toEqual({ valid: true, diagnostics: [] });
  });

  it('POST /playbooks/validate answers 200 with exactly what `steward validate` prints, for every bad fixture', async () => {
    const files = readdirSync(join(FIXTURES, 'bad')).sort();
    expect(files.length).toBeGreaterThan(15);
    for (const name of files) {
      const file = `bad/${name}`;
      const res = await request(app.getHttpServer()).post('/playbooks/validate').send({ yaml: fixture(file), file }).expect(200);
      const printed: string[] = [];
      const code = validateCommand([file], fakeLookup(), { out: (l) => printed.push(l.trimEnd()), err: () => undefined, cwd: FIXTURES }, { environments: config.environments });
      expect(code).toBe(2);
      expect(res.body.valid).toBe(false);
      expect(res.body.diagnostics.map((d: Diagnostic) => formatDiagnostic(d))).toEqual(printed);
    }
  });

  it('POST /playbooks/validate names the text playbook.yaml by default', async () => {
    const res = await request(app.getHttpServer()).post('/playbooks/validate').send({ yaml: 'kind: Playbook' }).expect(200);
    expect(res.body.diagnostics.map((d: Diagnostic) => formatDiagnostic(d))).toEqual([
      'playbook.yaml:1:1: apiVersion: is required',
      'playbook.yaml:1:1: metadata: is required',
      'playbook.yaml:1:1: steps: is required',
    ]);
  });

  it('POST /playbooks/validate rejects a body without yaml (400 VALIDATION_FAILED)', async () => {
    const res = await request(app.getHttpServer()).post('/playbooks/validate').send({ file: 3 }).expect(400);
    expect(JSON.parse(res.text)).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [
        { path: 'yaml', message: 'is required: the playbook YAML as a string' },
        { path: 'file', message: 'must be a non-empty string (at most 500 characters)' },
      ],
    });
  });

  it('reload() swaps the set; parse() throws PLAYBOOK_INVALID with every error', () => {
    const service = app.get(PlaybooksService);
    expect(service.reload().playbooks).toBe(3);
    expect(() => service.parse(fixture('bad/unknown-tool.yaml'), 'inline.yaml')).toThrow(
      expect.objectContaining({ code: 'PLAYBOOK_INVALID', message: 'inline.yaml is invalid: inline.yaml:9:11: steps[0].tool: unknown tool "sisense.dashboards.list"' }),
    );
    expect(service.parse(fixture('good/widget-governance.yaml')).id).toBe('widget-governance');
  });
});
