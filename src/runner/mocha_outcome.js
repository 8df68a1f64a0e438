// repro.sh's check: the outcome of the test whose id is VICTIM (file › full title, the file
// relative to the directory mocha runs in) in mocha's xunit report, as one word, then its place
// in the report, which is the order the tests ran in. A failed before hook counts against the
// test it names; twins (`… #2`) count in the order they ran.
const fs = require('fs');
let xml;
try {
  xml = fs.readFileSync(process.argv[2], 'utf8');
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
const entities = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescape = (text) =>
  text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name) => {
    if (name[0] !== '#') return entities[name] === undefined ? whole : entities[name];
    return String.fromCodePoint(name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10));
  });
const seen = {};
let found;
let ran = 0;
const cases = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
for (let match; (match = cases.exec(xml)) !== null; ) {
  const attributes = {};
  for (const [, key, value] of match[1].matchAll(/([\w:-]+)="([^"]*)"/g)) attributes[key] = unescape(value);
  ran += 1;
  const body = match[3] || '';
  let title = attributes.name || '';
  let outcome = /<(failure|error)\b/.test(body) ? 'failed' : /<skipped\b/.test(body) ? 'skipped' : 'passed';
  const hook = /^"before (each|all)" hook(?:: .*?)? for "(.*)"$/.exec(title);
  if (hook) {
    title = hook[2];
    outcome = 'failed';
  }
  const full = attributes.classname ? attributes.classname + ' ' + title : title;
  const id = relative(attributes.file || '') + ' › ' + full;
  seen[id] = (seen[id] || 0) + 1;
  const named = seen[id] === 1 ? id : id + ' #' + seen[id];
  if (named === victim) found = found || outcome + ' ' + ran;
}
console.log(found || 'missing');
