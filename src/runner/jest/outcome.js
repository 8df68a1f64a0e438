// repro.sh's check: the status of the test whose id is VICTIM (file › describe › test, the file
// relative to the directory Jest runs in) in Jest's JSON report, as one word, then its place in
// the report, which lists a file's tests in the order they ran. Twins (`… #2`) are told apart by
// their place in the file, as bleed numbers them.
const fs = require('fs');
let report;
try {
  report = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
} catch (error) {
  console.log('unreadable');
  process.exit(0);
}
const victim = process.env.VICTIM;
const here = [process.cwd(), fs.realpathSync(process.cwd())];
const relative = (file) => {
  const base = here.find((dir) => file.startsWith(dir + '/'));
  return base === undefined ? file : file.slice(base.length + 1);
};
const twin = /^(.*) #(\d+)$/.exec(victim);
const exact = [];
const twins = [];
let ran = 0;
for (const file of report.testResults || []) {
  for (const test of file.assertionResults || []) {
    ran += 1;
    const id = [relative(file.name), ...(test.ancestorTitles || []), test.title].join(' › ');
    if (id === victim) exact.push({ test, ran });
    if (twin && id === twin[1]) twins.push({ test, ran });
  }
}
const place = ({ test }) => (test.location ? [test.location.line, test.location.column] : [Infinity, 0]);
twins.sort((a, b) => place(a)[0] - place(b)[0] || place(a)[1] - place(b)[1]);
const found = exact[0] || (twin ? twins[Number(twin[2]) - 1] : undefined);
if (!found) console.log('missing');
else if (found.test.status === 'passed' || found.test.status === 'failed') console.log(found.test.status, found.ran);
else console.log('skipped', found.ran);
