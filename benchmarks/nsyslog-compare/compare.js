'use strict';
// Joins the nsyslog-parser results (bench.js --json) with BenchmarkDotNet's JSON report of
// CefReaderBenchmarks and prints, per line, how many times faster Aeg's full iteration is.
// Usage: node compare.js <nsyslog.json> <BenchmarkDotNet results dir>
const fs = require('fs');
const path = require('path');

const [nsyslogFile, resultsDir] = process.argv.slice(2);
const nsyslog = JSON.parse(fs.readFileSync(nsyslogFile, 'utf8')).results;
const report = fs.readdirSync(resultsDir)
  .filter((f) => f.includes('CefReaderBenchmarks') && f.endsWith('.json'))
  .map((f) => path.join(resultsDir, f))
  .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
if (!report) throw new Error(`no CefReaderBenchmarks JSON report in ${resultsDir}`);

const aeg = new Map();
for (const b of JSON.parse(fs.readFileSync(report, 'utf8')).Benchmarks) {
  const params = Object.fromEntries(b.Parameters.split('&').map((p) => p.split('=')));
  aeg.set(`${b.Method}/${params.Size}/${params.Prefix}`, b.Statistics.Mean);
}

const bar = 20;
let worst = Infinity;
console.log(`Aeg FullIteration vs nsyslog-parser (${path.basename(report)})`);
console.log('| Line | Prefix | Bytes | nsyslog ns/line | Aeg ns/line | Aeg MB/s | Speed-up |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const n of nsyslog) {
  const ns = aeg.get(`FullIteration/${n.size}/${n.prefix}`);
  if (ns === undefined) continue;
  const ratio = n.nsPerLine / ns;
  worst = Math.min(worst, ratio);
  console.log(`| ${n.size} | ${n.prefix} | ${n.bytes} | ${n.nsPerLine.toFixed(0)} | ${ns.toFixed(1)} | ` +
    `${(n.bytes / ns * 1000).toFixed(0)} | ${ratio.toFixed(1)}x |`);
}
if (worst === Infinity) throw new Error('no FullIteration results matched the nsyslog-parser lines');
console.log(`Smallest speed-up: ${worst.toFixed(1)}x (bar: >= ${bar}x) -> ${worst >= bar ? 'meets the bar' : 'BELOW THE BAR'}`);
