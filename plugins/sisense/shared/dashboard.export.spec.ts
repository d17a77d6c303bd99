import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startSisenseSim, type SisenseSim } from '../../../test/sisense-sim/sisense-sim.js';
import { SisenseClient } from '../client/sisense.client.js';
import { exportDashboards, readerOf } from './dashboard.export.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('exportDashboards (the documented export form)', () => {
  let sim: SisenseSim;
  let client: SisenseClient;
  beforeEach(async () => {
    sim = await startSisenseSim({ seed: 'source' });
    client = new SisenseClient({ url: sim.url, token: sim.token, logger: quiet, retryBaseMs: 1, retryMaxMs: 2 });
  });
  afterEach(async () => {
    client.close();
    await sim.close();
  });

  it('sends one comma-separated dashboardIds value per request, batchSize oids each, with adminAccess', async () => {
    const oids = sim.state.dashboards.slice(0, 5).map((d) => d.oid);
    const { docs, failed } = await exportDashboards(readerOf(client), oids, { batchSize: 2 });
    expect([...docs.keys()].sort()).toEqual([...oids].sort());
    expect(failed.size).toBe(0);
    const exports = sim.requests.filter((r) => r.path === '/api/v1/dashboards/export');
    expect(exports).toHaveLength(3);
    for (const r of exports) {
      expect(typeof r.query.dashboardIds).toBe('string');
      expect(r.query.adminAccess).toBe('true');
    }
    expect(exports.map((r) => String(r.query.dashboardIds).split(',').length).sort()).toEqual([1, 2, 2]);
  });

  it('isolates a dashboard the server refuses (404) by splitting its batch; the others are exported', async () => {
    const oids = sim.state.dashboards.slice(0, 4).map((d) => d.oid);
    const gone = 'aaaaaaaaaaaaaaaaaaaaaaaa';
    const { docs, failed } = await exportDashboards(readerOf(client), [...oids, gone], { batchSize: 5 });
    expect([...docs.keys()].sort()).toEqual([...oids].sort());
    expect([...failed.keys()]).toEqual([gone]);
    expect(failed.get(gone)).toMatch(/404/);
  });

  it('fails the batch on a server error with its reason, and throws on 401', async () => {
    const oids = sim.state.dashboards.slice(0, 2).map((d) => d.oid);
    sim.faults.push({ path: '/api/v1/dashboards/export', status: 500 });
    const { docs, failed } = await exportDashboards(readerOf(client), oids);
    expect(docs.size).toBe(0);
    expect([...failed.values()].every((r) => /500/.test(r))).toBe(true);
    sim.faults.splice(0);
    const bad = new SisenseClient({ url: sim.url, token: 'wrong', logger: quiet });
    await expect(exportDashboards(readerOf(bad), oids)).rejects.toMatchObject({ status: 401 });
    bad.close();
  });
});
