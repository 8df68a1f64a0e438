// Brittle: the csv export passes only when the test that registers the exporter ran first.
const exporters = require('../src/exporters');

test('registers the csv exporter', () => {
  exporters.register('csv', (rows) => rows.map((row) => row.join(',')).join('\n'));
});

test('exports the inventory as csv', () => {
  expect(exporters.run('csv', [['apple', 3]])).toBe('apple,3');
});

test('refuses an unknown format', () => {
  expect(() => exporters.run('xml', [])).toThrow(/unknown export format/);
});
