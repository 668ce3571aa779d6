// Drives `vliwdbg --dap` with VS Code's own test client (DebugClient from
// @vscode/debugadapter-testsupport), as an editor would: launch a user-shaped kernel file,
// a breakpoint on one of its lines, continue, step, next, step back, variables, evaluate,
// disconnect. Run by tests/vliwdbg/faces/dap/test_node_client.py (VLIWDBG names the
// adapter's executable), or alone with `npm test` here.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const VLIWDBG = process.env.VLIWDBG || 'vliwdbg';
const KERNEL = path.resolve(__dirname, '..', 'fixtures', 'kernels', 'dap', 'grouped.py');
const HASH_LINE = fs.readFileSync(KERNEL, 'utf8').split('\n').findIndex((l) => l.includes('self.hash(val)')) + 1;
const LAUNCH = {
  type: 'vliwdbg', request: 'launch', name: 'grouped kernel',
  kernel: KERNEL, height: 3, rounds: 2, batch: 16, noPause: true, stopOnEntry: false,
};

async function stoppedAfter(dc, request) {
  const stopped = dc.waitForEvent('stopped');
  await request();
  return (await stopped).body;
}

async function evaluate(dc, expression, context = 'watch') {
  return (await dc.evaluateRequest({ expression, context })).body.result;
}

test('launch, a line breakpoint, continue, step, step back, variables, evaluate, disconnect', async () => {
  const dc = new DebugClient(VLIWDBG, '--dap', 'vliwdbg');
  dc.defaultTimeout = 60000;
  await dc.start();
  let disconnected = false;
  try {
    const caps = (await dc.initializeRequest({ adapterID: 'vliwdbg', linesStartAt1: true })).body;
    assert.strictEqual(caps.supportsStepBack, true);
    const initialized = dc.waitForEvent('initialized');
    await dc.launchRequest(LAUNCH);
    await initialized;

    const set = await dc.setBreakpointsRequest({ source: { path: KERNEL }, breakpoints: [{ line: HASH_LINE }] });
    const [bp] = set.body.breakpoints;
    assert.strictEqual(bp.verified, true);
    assert.strictEqual(bp.line, HASH_LINE);

    const hit = await stoppedAfter(dc, () => dc.configurationDoneRequest());
    assert.strictEqual(hit.reason, 'breakpoint');
    assert.deepStrictEqual(hit.hitBreakpointIds, [bp.id]);
    const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.ok(frames.some((f) => f.source && f.source.path === KERNEL && f.line === HASH_LINE), JSON.stringify(frames));
    const pc = Number(frames[0].instructionPointerReference);
    assert.ok(frames.every((f) => Number(f.instructionPointerReference) === pc));
    assert.strictEqual(await evaluate(dc, 'pc'), String(pc));

    assert.strictEqual((await stoppedAfter(dc, () => dc.stepInRequest({ threadId: 1 }))).reason, 'step');
    assert.strictEqual(await evaluate(dc, 'pc'), String(pc + 1));
    const lines = async () => (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames.map((f) => `${f.source.path}:${f.line}`);
    const before = await lines();
    await stoppedAfter(dc, () => dc.nextRequest({ threadId: 1 }));
    assert.notDeepStrictEqual(await lines(), before);

    const step = Number(await evaluate(dc, 'step'));
    await stoppedAfter(dc, () => dc.stepBackRequest({ threadId: 1 }));
    assert.strictEqual(Number(await evaluate(dc, 'step')), step - 1);

    const scopes = (await dc.scopesRequest({ frameId: 0 })).body.scopes;
    const scratch = scopes.find((s) => s.name === 'Scratch');
    const registers = (await dc.variablesRequest({ variablesReference: scratch.variablesReference })).body.variables;
    const val = registers.find((v) => v.name === 'val');
    const lanes = (await dc.variablesRequest({ variablesReference: val.variablesReference })).body.variables;
    assert.deepStrictEqual(lanes.map((l) => l.name), [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `val[${i}]`));
    assert.strictEqual(lanes[3].value, await evaluate(dc, 'val[3]'));

    assert.match(await evaluate(dc, 'info breakpoints', 'repl'), /grouped\.py:/);
    await assert.rejects(dc.evaluateRequest({ expression: 'val +', context: 'watch' }), /column/);
    assert.strictEqual(await evaluate(dc, 'cycle >= 0'), '1');
    await dc.disconnectRequest({});
    disconnected = true; // the adapter has ended: stop() would send a second disconnect
  } finally {
    if (!disconnected) await dc.stop();
  }
});
