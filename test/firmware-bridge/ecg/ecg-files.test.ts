import t, { type Test } from 'tap';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isChasquiError, type ErrorCode } from '../../../lib/errors.js';
import { readEcgFile, standardLeadName } from '../../../firmware-bridge/ecg/ecg-files.js';
import { readWfdbRecord } from '../../../firmware-bridge/ecg/wfdb-files.js';
import { decodeScpEcg } from '../../../firmware-bridge/ecg/scp-ecg.js';
import { mulberry32 } from '../../link/prng.js';
import { SHARED_DATA, sharedFile, tempDir } from '../../support/paths.js';
import { anHourAgo } from '../../support/recent-time.js';
import { contecFile } from './contec-writer.js';

const ECG = join(SHARED_DATA, 'ecg');

async function rejects(t: Test, p: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  try {
    await p;
    t.fail(`expected ${code}`);
  } catch (err) {
    t.ok(isChasquiError(err, code), `${code}: ${String(err)}`);
    t.match((err as Error).message, message);
  }
}

t.test('WFDB: gains, baselines and names carried over; samples as readWfdbRecord gives them', async (t) => {
  const rec = await readEcgFile(join(ECG, 'mitdb/100s.hea'));
  const { signals } = await readWfdbRecord(join(ECG, 'mitdb/100s.hea'));
  t.equal(rec.samplingFrequency, 360);
  t.same(rec.leads.map((l) => [l.name, l.unitsPerMv, l.baseline]), [['MLII', 200, 1024], ['V5', 200, 1024]]);
  rec.leads.forEach((l, i) => t.same(Array.from(l.samples), Array.from(signals[i]!), `${l.name} samples`));
  t.equal(rec.source, 'WFDB record 100s');

  const ludb = await readEcgFile(join(ECG, 'ludb/1')); // a record name, without .hea
  t.same(ludb.leads.map((l) => l.name), ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
  t.equal(ludb.samplingFrequency, 500);
  t.equal(ludb.leads[0]!.samples.length, 5000);
});

t.test('WFDB: a non-voltage signal is left out and named; microvolt gains become units per mV', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  copyFileSync(join(ECG, 'mitdb/100s.dat'), join(dir, 'r.dat'));
  const { date, wall } = anHourAgo();
  const two = (n: number) => String(n).padStart(2, '0');
  const headerTime = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} ${two(date.getUTCDate())}/${two(date.getUTCMonth() + 1)}/${date.getUTCFullYear()}`;
  writeFileSync(join(dir, 'r.hea'), `r 2 360 21600 ${headerTime}\nr.dat 212 0.2(1024)/uV 11 1024 995 21537 0 MLII\nr.dat 212 200(1024)/mmHg 11 1024 1011 -3962 0 ABP\n`);
  const rec = await readEcgFile(join(dir, 'r.hea'));
  t.same(rec.leads.map((l) => [l.name, l.unitsPerMv]), [['MLII', 200]]);
  t.match(rec.source, /left out, not ECG: ABP \(mmHg\)/);
  t.equal(rec.startedAt, wall);
});

t.test('SCP-ECG is recognised by content, whatever the file is called', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const renamed = join(dir, 'ECG_0042.bin');
  copyFileSync(join(ECG, 'scp/test.scp'), renamed);
  const rec = await readEcgFile(renamed);
  t.same(rec, decodeScpEcg(sharedFile('ecg/scp/test.scp'), 'ECG_0042.bin').recording);
  t.equal(rec.source, 'SCP-ECG file ECG_0042.bin');
  // A truncated .scp gets the SCP reader's own reason.
  writeFileSync(join(dir, 'cut.scp'), sharedFile('ecg/scp/test.scp').subarray(0, 4000));
  await rejects(t, readEcgFile(join(dir, 'cut.scp')), 'CHASQUI_ERR_ECG_FORMAT', /truncated or padded/);
});

t.test('Contec ECG90A is recognised by content and by its .ECG extension', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const random = mulberry32(42);
  const rows = Array.from({ length: 400 }, () => Array.from({ length: 8 }, () => 1800 + Math.floor(random() * 500)));
  const bytes = contecFile(rows);
  writeFileSync(join(dir, '0000011.ECG'), bytes);
  writeFileSync(join(dir, 'download'), bytes);
  for (const name of ['0000011.ECG', 'download']) {
    const rec = await readEcgFile(join(dir, name));
    t.equal(rec.samplingFrequency, 800, name);
    t.same(Array.from(rec.leads[2]!.samples), rows.map((r) => r[2]), `${name}: V1`);
  }
  writeFileSync(join(dir, 'short.ECG'), bytes.subarray(0, bytes.length - 5));
  await rejects(t, readEcgFile(join(dir, 'short.ECG')), 'CHASQUI_ERR_ECG_FORMAT', /short\.ECG: .* not whole 16-byte frames/);
});

t.test('an unknown format names the file and the formats Chasqui reads; a missing file is NOT_FOUND', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  writeFileSync(join(dir, 'notes.txt'), 'not an ECG at all, just some text that is long enough');
  await rejects(t, readEcgFile(join(dir, 'notes.txt')), 'CHASQUI_ERR_ECG_FORMAT', /notes\.txt is not in an ECG format Chasqui reads \(supported: WFDB .*SCP-ECG .*Contec ECG90A/);
  await rejects(t, readEcgFile(join(dir, 'nothing.scp')), 'CHASQUI_ERR_NOT_FOUND', /nothing\.scp does not exist/);
  await rejects(t, readEcgFile(join(dir, 'nothing.hea')), 'CHASQUI_ERR_NOT_FOUND', /nothing\.hea/);
});

t.test('lead labels are standardised only when they are standard leads', async (t) => {
  t.same(['i', 'AVR', 'avl', 'v6', ' II ', 'MLII', 'ECG'].map(standardLeadName), ['I', 'aVR', 'aVL', 'V6', 'II', 'MLII', 'ECG']);
});
