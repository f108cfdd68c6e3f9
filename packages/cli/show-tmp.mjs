import { Analyzer, allRules } from '@eos/analyzer';
import * as fs from 'node:fs';
import * as path from 'node:path';
const dir = process.argv[2];
const files = [];
const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const f = path.join(d, e.name); if (e.isDirectory()) walk(f); else if (/\.(ts|js)$/.test(e.name)) files.push(f); } };
walk(dir);
const a = new Analyzer({ rules: allRules, projectFiles: files, prefilter: process.env.NOPF ? false : true });
for (const f of files) for (const x of a.analyzeText(f, fs.readFileSync(f, 'utf8')).findings) {
  console.log(`${path.relative(dir, x.file)}:${x.line} ${x.ruleId}: ${x.message}`);
  for (const r of x.related ?? []) console.log(`   see ${path.relative(dir, r.file)}@${r.start}: ${r.message}`);
}
