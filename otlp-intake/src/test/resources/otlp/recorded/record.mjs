// Records what an instrumentation really exports for one OpenAI chat call, against a local stand-in of the OpenAI API.
// Usage: node record.mjs openllmetry|openlit  (writes <name>-<N>.bin: each body posted to /v1/traces, unchanged)
import http from 'node:http';
import fs from 'node:fs';

const which = process.argv[2];
const captured = [];
const capture = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    captured.push({ path: req.url, type: req.headers['content-type'], body: Buffer.concat(chunks) });
    res.writeHead(200, { 'content-type': req.headers['content-type'] });
    res.end();
  });
});
const fakeOpenAi = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_recorded_1' });
    res.end(JSON.stringify({
      id: 'chatcmpl-recorded-1', object: 'chat.completion', created: 1764150000, model: 'gpt-4o-2024-08-06',
      choices: [{ index: 0, message: { role: 'assistant', content: 'SECRET COMPLETION TEXT' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 2000, completion_tokens: 500, total_tokens: 2500, prompt_tokens_details: { cached_tokens: 1024 } },
    }));
  });
});
await new Promise((r) => capture.listen(0, '127.0.0.1', r));
await new Promise((r) => fakeOpenAi.listen(0, '127.0.0.1', r));
const captureUrl = `http://127.0.0.1:${capture.address().port}`;

const { default: OpenAI } = await import('openai');
let call = (fn) => fn();
let flush = () => new Promise((r) => setTimeout(r, 1500));
if (which === 'openllmetry') {
  const traceloop = await import('@traceloop/node-server-sdk');
  traceloop.initialize({ appName: 'test-writer', baseUrl: captureUrl, apiKey: 'none', disableBatch: true, instrumentModules: { openAI: OpenAI },
    silenceInitializationMessage: true });
  call = (fn) => traceloop.withWorkflow({ name: 'generate-tests' }, fn);
  flush = async () => { await traceloop.forceFlush(); await new Promise((r) => setTimeout(r, 500)); };
} else if (which === 'openlit') {
  const module = await import('openlit');
  const Openlit = module.default?.init ? module.default : (module.default?.default ?? module);
  Openlit.init({ applicationName: 'bug-triage', environment: 'staging', otlpEndpoint: captureUrl, disableBatch: true, disableMetrics: true,
    instrumentations: { openai: OpenAI } });
} else {
  console.error('usage: node record.mjs openllmetry|openlit');
  process.exit(2);
}
const openai = new OpenAI({ apiKey: 'sk-none', baseURL: `http://127.0.0.1:${fakeOpenAi.address().port}/v1` });
await call(async () => openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'SECRET PROMPT TEXT' }] }));
await flush();
for (const [i, c] of captured.filter((c) => c.path.endsWith('/v1/traces')).entries()) {
  fs.writeFileSync(`${which}-${i}.bin`, c.body);
  console.log(i, c.path, c.type, c.body.length);
}
capture.close();
fakeOpenAi.close();
process.exit(0);
