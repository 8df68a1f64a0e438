// A suite that reads process.argv, through a module that parses the command line: Jest runs a
// file in band when it sees fit, and its tests then see Jest's own command line.
const options = require('../src/options');

test('runs in the processes the command asked for', () => {
  expect(options.inBand).toBe(false);
});
