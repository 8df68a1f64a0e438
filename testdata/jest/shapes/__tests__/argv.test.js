// A suite that reads process.argv, through a module that parses the command line: Jest runs a
// file in band when it sees fit (one file, one core, a fast suite), and its tests then see the
// command line of Jest's own process.
const options = require('../src/options');

test('runs in the processes the command asked for', () => {
  expect(options.inBand).toBe(false);
});

test('prints text unless asked for JSON', () => {
  expect(options.json).toBe(false);
});
