// Records what OpenLLMetry (Traceloop's node SDK) really exports for one OpenAI chat call, against a local stand-in of the OpenAI API.
import http from 'node:http';
import fs from 'node:fs';

const captured = [];
const capture = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    captured.push({ path: req.url, type: req.headers['content-type'], body: Buffer.concat(chunks) });
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end();
  });
});
const fakeOpenAi = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
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

const openlitModule = await import('openlit'); const Openlit = openlitModule.default?.init ? openlitModule.default : (openlitModule.default?.default ?? openlitModule.Openlit ?? openlitModule);
const { default: OpenAI } = await import('openai');
Openlit.init({ applicationName: 'bug-triage', environment: 'staging', otlpEndpoint: `http://127.0.0.1:${capture.address().port}`, disableBatch: true, disableMetrics: true, instrumentations: { openai: OpenAI } });
const openai = new OpenAI({ apiKey: 'sk-none', baseURL: `http://127.0.0.1:${fakeOpenAi.address().port}/v1` });
await (async () =>
  openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'SECRET PROMPT TEXT' }] }))();
await new Promise((r) => setTimeout(r, 1500));
await new Promise((r) => setTimeout(r, 500));
const traces = captured.filter((c) => c.path.endsWith('/v1/traces'));
for (const [i, c] of traces.entries()) {
  fs.writeFileSync(`openlit-js-${i}.bin`, c.body);
  console.log(i, c.path, c.type, c.body.length);
}
capture.close();
fakeOpenAi.close();
process.exit(0);
