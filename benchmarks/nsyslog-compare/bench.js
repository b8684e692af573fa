'use strict';
// Throughput of nsyslog-parser on the same CEF lines as benchmarks/Aeg.Benchmarks (CefReaderBenchmarks).
// The lines come from ../samples/*.txt, the single source both benchmarks read.
// Usage: node bench.js [--seconds N] [--warmup N] [--json results.json]
const fs = require('fs');
const path = require('path');
const parse = require('nsyslog-parser');

const args = process.argv.slice(2);
function arg(name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}
const measureSeconds = arg('--seconds', 3);
const warmupSeconds = arg('--warmup', 1);
const jsonIndex = args.indexOf('--json');
const jsonPath = jsonIndex >= 0 ? args[jsonIndex + 1] : null;

const samples = path.join(__dirname, '..', 'samples');
// One line per file; the file's final newline is not part of the line.
const read = (name) => fs.readFileSync(path.join(samples, name), 'utf8').replace(/\r?\n$/, '');
// A syslog prefix and the CEF line are joined by one space (the same rule as Samples.cs).
const prefixes = { None: null, Rfc3164: read('rfc3164-prefix.txt'), Rfc5424: read('rfc5424-prefix.txt') };
const bodies = { Short: read('short.txt'), Typical: read('typical.txt'), Long: read('long.txt') };

// generateTimestamp=false: do not charge nsyslog-parser for inventing a timestamp Aeg would not.
const options = { generateTimestamp: false };

function check(name, line) {
  const r = parse(line, options);
  if (r.type !== 'CEF' || !r.cef || !r.cef.severity || Object.keys(r.fields).length < 5) {
    throw new Error(`${name}: nsyslog-parser did not parse the CEF extension: ${JSON.stringify(r).slice(0, 300)}`);
  }
  return Object.keys(r.fields).length;
}

// Touches every extension value so the work cannot be skipped, as the C# benchmark reads every value.
function run(line, seconds) {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  let iterations = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 1000; i++) {
      const fields = parse(line, options).fields;
      for (const key in fields) sink += fields[key].length;
    }
    iterations += 1000;
    now = process.hrtime.bigint();
  }
  return { ns: Number(now - start) / iterations, sink };
}

console.log(`nsyslog-parser ${require('nsyslog-parser/package.json').version}, node ${process.version}, ` +
  `${measureSeconds}s per line after ${warmupSeconds}s warm-up`);
console.log('| Line | Prefix | Bytes | Fields | ns/line | MB/s |');
console.log('|---|---|---:|---:|---:|---:|');
let sinkTotal = 0;
const results = [];
for (const [size, body] of Object.entries(bodies)) {
  for (const [prefixName, prefix] of Object.entries(prefixes)) {
    const line = prefix === null ? body : `${prefix} ${body}`;
    const name = `${size}/${prefixName}`;
    const fields = check(name, line);
    const bytes = Buffer.byteLength(line, 'utf8');
    sinkTotal += run(line, warmupSeconds).sink;
    const { ns, sink } = run(line, measureSeconds);
    sinkTotal += sink;
    const mbPerSecond = bytes / ns * 1e9 / 1e6;
    results.push({ size, prefix: prefixName, bytes, fields, nsPerLine: ns, mbPerSecond });
    console.log(`| ${size} | ${prefixName} | ${bytes} | ${fields} | ${ns.toFixed(0)} | ${mbPerSecond.toFixed(1)} |`);
  }
}
if (sinkTotal === 0) throw new Error('no values were read');
if (jsonPath) fs.writeFileSync(jsonPath, JSON.stringify({ node: process.version, results }, null, 2));
